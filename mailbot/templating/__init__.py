"""The council-editable email templates: rendering (Jinja2, subject in the template, text + HTML) and
the sample contexts that document each template's keys for previews and checks.
"""

__all__ = ["samples", "templates"]
