"""Build small test documents in memory for the reader tests (docx, pdf, odt, TNEF, eml)."""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import EmailMessage

import docx
from docx.oxml import parse_xml

W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
W14_NS = 'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml"'


def docx_bytes(build: Callable[[docx.document.Document], None]) -> bytes:
    document = docx.Document()
    build(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def append_body_xml(document, xml: str) -> None:
    """Append a raw WordprocessingML element before the final section properties."""
    body = document.element.body
    body.insert(len(body) - 1, parse_xml(xml))


def checkbox_sdt_paragraph(label: str, ticked: bool) -> str:
    glyph = "☒" if ticked else "☐"
    return (
        f'<w:p {W_NS} {W14_NS}><w:r><w:t xml:space="preserve">{label} </w:t></w:r>'
        f'<w:sdt><w:sdtPr><w14:checkbox><w14:checked w14:val="{1 if ticked else 0}"/>'
        "</w14:checkbox></w:sdtPr>"
        f"<w:sdtContent><w:r><w:t>{glyph}</w:t></w:r></w:sdtContent></w:sdt>"
        f'<w:r><w:t xml:space="preserve"> Yes</w:t></w:r></w:p>'
    )


def placeholder_sdt_paragraph(label: str) -> str:
    return (
        f'<w:p {W_NS}><w:r><w:t xml:space="preserve">{label} </w:t></w:r>'
        "<w:sdt><w:sdtPr><w:showingPlcHdr/></w:sdtPr><w:sdtContent><w:r>"
        "<w:t>Click or tap here to enter text.</w:t></w:r></w:sdtContent></w:sdt></w:p>"
    )


def date_sdt_paragraph(label: str, shown: str) -> str:
    return (
        f'<w:p {W_NS}><w:r><w:t xml:space="preserve">{label} </w:t></w:r>'
        '<w:sdt><w:sdtPr><w:date w:fullDate="2024-03-01T00:00:00Z">'
        '<w:dateFormat w:val="dd/MM/yyyy"/></w:date>'
        f"</w:sdtPr><w:sdtContent><w:r><w:t>{shown}</w:t></w:r></w:sdtContent></w:sdt></w:p>"
    )


def form_checkbox_run(checked: bool | None, default: bool = False) -> str:
    state = "" if checked is None else f'<w:checked w:val="{1 if checked else 0}"/>'
    return (
        f'<w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:name w:val="Check1"/><w:enabled/>'
        f'<w:checkBox><w:sizeAuto/><w:default w:val="{1 if default else 0}"/>{state}</w:checkBox>'
        "</w:ffData></w:fldChar></w:r>"
        '<w:r><w:instrText xml:space="preserve"> FORMCHECKBOX </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )


def form_text_runs(result: str) -> str:
    return (
        '<w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:name w:val="Text1"/><w:enabled/><w:textInput/>'
        '</w:ffData></w:fldChar></w:r><w:r><w:instrText xml:space="preserve"> FORMTEXT </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        f'<w:r><w:t xml:space="preserve">{result}</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )


def paragraph_xml(inner: str) -> str:
    return f"<w:p {W_NS}>{inner}</w:p>"


def tracked_changes_paragraph() -> str:
    return paragraph_xml(
        '<w:r><w:t xml:space="preserve">Level of need: </w:t></w:r>'
        '<w:del w:id="1" w:author="SW" w:date="2024-01-01T00:00:00Z">'
        "<w:r><w:delText>4</w:delText></w:r></w:del>"
        '<w:ins w:id="2" w:author="SW" w:date="2024-01-01T00:00:00Z"><w:r><w:t>3</w:t></w:r></w:ins>'
    )


def text_box_paragraph(text: str) -> str:
    wps = 'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"'
    mc = 'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
    v = 'xmlns:v="urn:schemas-microsoft-com:vml"'
    box = f"<w:txbxContent><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:txbxContent>"
    return (
        f"<w:p {W_NS} {wps} {mc} {v}><w:r><mc:AlternateContent>"
        f'<mc:Choice Requires="wps"><w:drawing><wps:txbx>{box}</wps:txbx></w:drawing></mc:Choice>'
        f"<mc:Fallback><w:pict><v:textbox>{box}</v:textbox></w:pict></mc:Fallback>"
        "</mc:AlternateContent></w:r></w:p>"
    )


def rezip(
    payload: bytes, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None
) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(payload)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            data = (replace or {}).get(item.filename, source.read(item.filename))
            target.writestr(item.filename, data)
        for name, data in (add or {}).items():
            target.writestr(name, data)
    return out.getvalue()


def encrypt_ooxml(payload: bytes, password: str) -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(payload)).encrypt(password, out)
    return out.getvalue()


# --- PDF ------------------------------------------------------------------------------------------


def pdf_with_text(pages: list[list[str]], table: list[list[str]] | None = None) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4)
    for lines in pages:
        y = 800
        for line in lines:
            page.drawString(72, y, line)
            y -= 20
        if table:
            y -= 20
            for row in table:
                x = 72
                for cell in row:
                    page.rect(x, y - 6, 180, 20)
                    page.drawString(x + 4, y, cell)
                    x += 180
                y -= 20
            page.drawString(72, y - 40, "After the table")
        page.showPage()
    page.save()
    return out.getvalue()


def pdf_with_form() -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4)
    page.drawString(72, 800, "Step down form")
    form = page.acroForm
    form.textfield(name="ChildName", tooltip="Child's full name", value="Sam Example", x=72, y=700, width=200)
    form.textfield(name="Postcode", value="PR1 2AB", x=72, y=650, width=200)
    form.checkbox(name="Consent", tooltip="Consent given", checked=True, x=72, y=600)
    form.checkbox(name="Refused", checked=False, x=72, y=560)
    form.radio(name="Level", value="L2", selected=False, x=72, y=520)
    form.radio(name="Level", value="L3", selected=True, x=120, y=520)
    page.showPage()
    page.save()
    return out.getvalue()


def encrypt_pdf(payload: bytes, user_password: str, owner_password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(payload)))
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def text_image(lines: list[str]):
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (1240, 600), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=44)
    for number, line in enumerate(lines):
        draw.text((60, 60 + number * 90), line, fill="black", font=font)
    return image


def scanned_pdf(lines: list[str]) -> bytes:
    out = io.BytesIO()
    text_image(lines).save(out, "PDF", resolution=150)
    return out.getvalue()


def png_bytes(lines: list[str]) -> bytes:
    out = io.BytesIO()
    text_image(lines).save(out, "PNG")
    return out.getvalue()


# --- OpenDocument, TNEF, email ----------------------------------------------------------------------


def odt_bytes() -> bytes:
    from odf.opendocument import OpenDocumentText
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import H, P

    document = OpenDocumentText()
    document.text.addElement(H(outlinelevel=1, text="Family assessment"))
    document.text.addElement(P(text="Lead professional: Alex Worker"))
    table = Table(name="Details")
    table.addElement(TableColumn(numbercolumnsrepeated=2))
    for label, value in (("Child", "Sam Example"), ("URN", "LAN-004217-K")):
        row = TableRow()
        for text in (label, value):
            cell = TableCell()
            cell.addElement(P(text=text))
            row.addElement(cell)
        table.addElement(row)
    document.text.addElement(table)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _tnef_attribute(level: int, attribute_id: int, data: bytes) -> bytes:
    # [MS-OXTNEF] 2.1.3.1: level (1 byte), attribute id (4, LE: id | type << 16), length (4), data,
    # checksum (2: the data bytes summed modulo 65536).
    checksum = sum(data) & 0xFFFF
    return struct.pack("<BII", level, attribute_id, len(data)) + data + struct.pack("<H", checksum)


def tnef_bytes(body: str, attachments: list[tuple[str, bytes]]) -> bytes:
    """A minimal winmail.dat: version, OEM code page, a plain body, then each attachment's title and data."""
    message_level, attachment_level = 0x01, 0x02
    out = struct.pack("<IH", 0x223E9F78, 0x0001)
    out += _tnef_attribute(message_level, 0x00089006, struct.pack("<I", 0x00010000))  # attTnefVersion
    out += _tnef_attribute(message_level, 0x00069007, struct.pack("<II", 1252, 0))  # attOemCodepage
    out += _tnef_attribute(message_level, 0x0002800C, body.encode("cp1252"))  # attBody
    for name, data in attachments:
        out += _tnef_attribute(attachment_level, 0x00069002, b"\x00" * 14)  # attAttachRendData
        out += _tnef_attribute(
            attachment_level, 0x00018010, name.encode("cp1252") + b"\x00"
        )  # attAttachTitle
        out += _tnef_attribute(attachment_level, 0x0006800F, data)  # attAttachData
    return out


def eml_bytes(body: str, attachments: list[tuple[str, str, bytes]]) -> bytes:
    message = EmailMessage()
    message["From"] = "Social Worker <sw@council.example>"
    message["To"] = "caf@council.example"
    message["Subject"] = "Step down"
    message["Message-ID"] = "<inner@council.example>"
    message.set_content(body)
    for name, mime, data in attachments:
        if mime == "message/rfc822":
            # A forward as attachment: 7bit message/rfc822 as RFC 2046 5.2.1 requires (not base64).
            inner = message_from_bytes(data, policy=policy.default)
            message.add_attachment(inner, filename=name)
            continue
        maintype, subtype = mime.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()
