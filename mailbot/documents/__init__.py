"""Reading attachments into a neutral layout (paragraphs, tables, form fields) for the extractor."""
