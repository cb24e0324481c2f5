"""Turn the raw bytes of one incoming email into a ``ParsedMessage`` (pure; never raises).

Built on the standard library's ``email`` package with the ``compat32`` policy, which keeps every header
as the raw text that arrived, and our own decoding on top of it. Real mail from Outlook/Exchange, Gmail,
Apple Mail and NHSmail breaks the RFCs in ways a strict parser either rejects or "repairs" wrongly, so
the decoding here is lenient and each repair is recorded in ``ParsedMessage.defects``:

- RFC 2047 encoded words are decoded by hand: adjacent words in one charset are joined before decoding
  (Outlook splits a UTF-8 character across two words), words inside quoted display names are decoded
  (forbidden by RFC 2047, common in practice), charsets Outlook invents are mapped.
- Body charsets follow the WHATWG rule that ``iso-8859-1``/``us-ascii`` mean ``windows-1252`` (Outlook
  labels curly quotes and the euro sign as Latin-1), and UTF-8 mislabelled as Latin-1 is detected.
- An HTML-only body (Outlook) is reduced to text by ``html_to_text``.

Message-IDs are normalised to ``<id-left@id-right>`` (angle brackets kept, as in the header and as
``email.utils.make_msgid`` writes them); compare ids only after ``normalise_message_id``.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import logging
import mimetypes
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from email import errors, policy
from email.headerregistry import HeaderRegistry
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser
from typing import Any

from mailbot.domain.content import InputFile
from mailbot.mail.addresses import check_address
from mailbot.mail.message import Address, ParsedMessage

logger = logging.getLogger(__name__)

_HEADERS = HeaderRegistry()

#: Deeper MIME nesting than this is not walked (a crafted message must not exhaust the stack).
MAX_DEPTH = 40
#: An inline image smaller than this that nothing references is a signature logo, not an attachment.
SIGNATURE_IMAGE_BYTES = 24 * 1024

# Charset labels real mailers write that Python's codecs do not know, or know by another meaning.
_CHARSET_ALIASES = {
    "ks_c_5601-1987": "cp949",  # Outlook, Korean
    "iso-8859-8-i": "iso-8859-8",
    "unicode-1-1-utf-7": "utf-7",
    "x-unknown": "utf-8",
    "unknown-8bit": "utf-8",
    "x-user-defined": "windows-1252",
    "gb2312": "gb18030",  # GB18030 is a superset; GB2312-labelled mail often holds GBK characters
    "gbk": "gb18030",
    "windows-874": "cp874",
    "ansi_x3.4-1968": "windows-1252",
}
# WHATWG Encoding Standard: these labels are decoded as windows-1252, which is what senders meant.
_LATIN1_LABELS = {
    "iso-8859-1",
    "iso8859-1",
    "latin1",
    "latin-1",
    "l1",
    "us-ascii",
    "ascii",
    "windows-1252",
    "cp1252",
}

_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?]*?)\?=")
_MSG_ID = re.compile(r"<\s*([^<>\s]+?)\s*>")
_BARE_MSG_ID = re.compile(r"[^<>\s,;\"]+@[^<>\s,;\"]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_UNSAFE_FILENAME = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')

# Extensions mimetypes gets wrong or does not know, for attachments sent without a file name.
_EXTENSIONS = {
    "application/octet-stream": ".bin",
    "application/msword": ".doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/pdf": ".pdf",
    "application/vnd.ms-outlook": ".msg",
    "message/rfc822": ".eml",
    "message/delivery-status": ".txt",
    "text/rfc822-headers": ".txt",
    "text/plain": ".txt",
    "text/html": ".html",
    "text/calendar": ".ics",
    "image/jpeg": ".jpg",
    "image/png": ".png",
}


# --------------------------------------------------------------------------- text and header decoding


def decode_bytes(payload: bytes, charset: str | None) -> tuple[str, str | None]:
    """Decode ``payload`` declared as ``charset``; return the text and a defect note (or None).

    Never raises: an unknown or wrong charset falls back to UTF-8, then windows-1252, then Latin-1
    (which maps every byte), and the note says so.
    """
    label = (charset or "").strip().strip('"').lower()
    label = _CHARSET_ALIASES.get(label, label)
    if label in _LATIN1_LABELS or not label:
        if not label or payload.isascii():
            pass
        else:
            # UTF-8 labelled as Latin-1 (case-management systems do this): valid multi-byte UTF-8 is
            # vanishingly unlikely in real Latin-1 text, so trust the bytes over the label.
            try:
                return payload.decode("utf-8"), f"charset {label} declared but body is UTF-8"
            except UnicodeDecodeError:
                pass
        if not label:
            try:
                return payload.decode("utf-8"), None
            except UnicodeDecodeError:
                pass
        try:
            return payload.decode("windows-1252"), None
        except UnicodeDecodeError:
            return payload.decode("latin-1"), None
    try:
        codecs.lookup(label)
    except LookupError:
        text, _ = decode_bytes(payload, None)
        return text, f"unknown charset {label[:40]!r}"
    try:
        return payload.decode(label), None
    except UnicodeDecodeError:
        # A body declared UTF-8 but written by a Windows client in windows-1252, or truncated.
        text, _ = decode_bytes(payload, None)
        return text, f"body is not valid {label[:40]}"
    except Exception:  # a codec can fail in ways other than UnicodeDecodeError (utf-7, stateful codecs)
        text, _ = decode_bytes(payload, None)
        return text, f"body is not valid {label[:40]}"


def _header_text(value: object) -> str:
    """A raw compat32 header value as text: 8-bit bytes (sent raw by some clients) decoded as UTF-8."""
    text = str(value)
    try:
        raw = text.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return text
    if raw.isascii():
        return text
    return decode_bytes(raw, None)[0]


def unfold(value: str) -> str:
    """Undo RFC 5322 folding: a line break followed by white space becomes one space."""
    return re.sub(r"\r?\n[ \t]+", " ", value).replace("\r", "").replace("\n", " ").strip()


def _word_bytes(encoding: str, text: str) -> bytes | None:
    if encoding in "bB":
        compact = re.sub(r"[^A-Za-z0-9+/]", "", text)
        compact += "=" * (-len(compact) % 4)
        try:
            return base64.b64decode(compact)
        except (binascii.Error, ValueError):
            return None
    raw = text.replace("_", " ").encode("latin-1", "replace")
    return re.sub(rb"=([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw)


def decode_words(value: str) -> str:
    """Decode RFC 2047 encoded words in ``value``, leniently (never raises).

    White space between two encoded words is dropped (RFC 2047 section 6.2); adjacent words in the
    same charset are joined before decoding because Outlook splits a multi-byte UTF-8 character across
    two words; a word that cannot be decoded is left as written.
    """
    if "=?" not in value:
        return value
    out: list[str] = []
    pending: list[tuple[str, bytes]] = []

    def flush() -> None:
        for charset, data in pending:
            out.append(decode_bytes(data, charset)[0])
        pending.clear()

    position = 0
    for match in _ENCODED_WORD.finditer(value):
        between = value[position : match.start()]
        if not (pending and between.strip() == ""):
            flush()
            out.append(between)
        charset = match.group(1).split("*", 1)[0].lower()  # RFC 2231 language suffix: utf-8*en
        data = _word_bytes(match.group(2), match.group(3))
        if data is None:
            flush()
            out.append(match.group(0))
        elif pending and pending[-1][0] == charset:
            pending[-1] = (charset, pending[-1][1] + data)
        else:
            pending.append((charset, data))
        position = match.end()
    flush()
    out.append(value[position:])
    return _CONTROL.sub("", "".join(out))


def normalise_message_id(value: str) -> str | None:
    """Return ``<id>`` for the first message id in ``value`` (brackets optional), or None."""
    ids = parse_message_ids(value)
    return ids[0] if ids else None


def parse_message_ids(value: str) -> list[str]:
    """Every message id in a Message-ID/In-Reply-To/References value, in order, as ``<id>``.

    Angle brackets are the norm; ids without them (some mobile clients, broken list software) are
    accepted when they contain ``@``. Comments and phrases around ids are ignored.
    """
    text = unfold(value)
    found = _MSG_ID.findall(text)
    if not found:
        found = [token.strip("<>") for token in _BARE_MSG_ID.findall(text)]
    ids: list[str] = []
    for item in found:
        normalised = f"<{item}>"
        if item and normalised not in ids:
            ids.append(normalised)
    return ids


def parse_addresses(values: list[str]) -> tuple[Address, ...]:
    """Addresses from raw address header values; display names decoded after splitting.

    Splitting first matters: ``=?utf-8?Q?Smith=2C_Jo?= <j@x>`` decodes to a name with a comma in it.
    Entries without an ``@`` (``undisclosed-recipients:;``) are dropped, except a bare
    ``MAILER-DAEMON`` which bounce detection needs to see. Each address is checked for replying to
    (``check_address``): a usable one comes back in its sending form, an unusable one keeps its text
    and says what is wrong in ``problem``.
    """
    result: list[Address] = []
    for name, email in getaddresses([unfold(v) for v in values]):
        email = email.strip().strip("<>").strip()
        if not email or ("@" not in email and email.upper() != "MAILER-DAEMON"):
            continue
        display = " ".join(decode_words(name).split())
        checked = check_address(email)
        result.append(Address(email=checked.address or email, display_name=display, problem=checked.problem))
    return tuple(result)


def sender_problem(values: list[str]) -> str | None:
    """Why the raw ``From`` header values do not name exactly one plain mailbox, or None when they do.

    ``getaddresses`` is lenient: ``caf@lancashire.gov.uk <evil@example.com>`` comes back as two
    addresses, the first a trusted one, so a display-name trick would pass the trust rule. The
    stricter RFC 5322 parser of ``email.headerregistry`` must agree that there is one mailbox and no
    invalid syntax before the sender is judged at all (issue 11: quoted-comma and display-name tricks).
    """
    if len(values) != 1:
        return "no From header" if not values else "more than one From header"
    try:
        header = _HEADERS("from", unfold(values[0]))
    except (ValueError, IndexError, TypeError):  # the stdlib parser's errors on hostile input
        return "unreadable From header"
    if any(isinstance(defect, errors.InvalidHeaderDefect) for defect in header.defects):
        return "malformed From header"
    addresses: tuple[Any, ...] = tuple(getattr(header, "addresses", ()))
    if len(addresses) != 1:
        return "From names more than one mailbox" if addresses else "From names no mailbox"
    if not addresses[0].username or not addresses[0].domain:
        return "From has no complete address"
    return None


def parse_sender(value: object) -> Address | None:
    """The first address of a raw From header value (compat32 text, 8-bit bytes allowed), checked as
    ``parse_addresses`` checks it; None when there is none. Intake records it before the full parse."""
    senders = parse_addresses([_header_text(value)])
    return senders[0] if senders else None


def parse_date(value: str | None) -> datetime | None:
    """An aware datetime from a Date header, or None. ``-0000`` (zone unknown) is read as UTC."""
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(unfold(value))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


# --------------------------------------------------------------------------- HTML to text

_BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "center", "dd", "div", "dl", "dt", "fieldset",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li",
    "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "thead", "tfoot", "ul", "caption",
}  # fmt: skip
_SKIP_TAGS = {"style", "script", "head", "title", "xml", "template", "noscript"}


class _TextWriter(HTMLParser):
    """Collects the text a person sees, keeping line, paragraph and table-cell breaks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self._line: list[str] = []
        self._line_quote = 0
        self._skip = 0
        self._pre = 0
        self._quote = 0
        self._cell_in_row = 0
        self._in_cell = 0
        self._paragraph_text = True

    def _space(self) -> None:
        if self._line and not "".join(self._line).endswith((" ", "\t")):
            self._write(" ")

    def _break(self) -> None:
        text = "".join(self._line).rstrip()
        prefix = "> " * self._line_quote
        self.lines.append((prefix + text).rstrip() if text or prefix else "")
        self._line = []
        self._line_quote = self._quote

    def _write(self, text: str) -> None:
        if not self._line:
            self._line_quote = self._quote
        if text.strip():
            self._paragraph_text = True
        self._line.append(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
            return
        if tag == "br" and self._in_cell:
            self._space()
        elif tag == "br":
            self._break()
        elif tag == "tr":
            if self._line:
                self._break()
            self._cell_in_row = 0
            self._in_cell = 0
        elif tag in ("td", "th"):
            if self._cell_in_row:
                self._write("\t")
            self._cell_in_row += 1
            self._in_cell += 1
        elif tag in _BLOCK_TAGS and self._in_cell and tag not in ("table", "blockquote", "pre"):
            self._space()  # Outlook wraps every cell's text in <p class=MsoNormal>: keep the row on one line
        elif tag in _BLOCK_TAGS:
            if self._line:
                self._break()
            if tag == "blockquote":
                self._quote += 1
                self._line_quote = self._quote
            elif tag == "pre":
                self._pre += 1
            elif tag == "p":
                self._paragraph_text = False
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt and not alt.lower().startswith(("cid:", "image", "logo")):
                self._write(alt)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in ("br", "img", "hr"):
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
            return
        if tag in ("td", "th"):
            self._in_cell = max(0, self._in_cell - 1)
            return
        if tag in _BLOCK_TAGS and self._in_cell and tag not in ("table", "blockquote", "pre"):
            self._space()
            return
        if tag == "tr" or tag in _BLOCK_TAGS:
            if self._line:
                self._break()
            if tag == "blockquote":
                self._quote = max(0, self._quote - 1)
                self._line_quote = self._quote
            elif tag == "pre":
                self._pre = max(0, self._pre - 1)
            elif tag == "p" and not self._paragraph_text:
                # Outlook writes one <p class=MsoNormal> per line and an empty one (holding only
                # &nbsp;) for a blank line, so only an empty paragraph becomes a blank line.
                self.lines.append("> " * self._quote)

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._pre:
            parts = data.replace("\r\n", "\n").split("\n")
            for index, part in enumerate(parts):
                if index:
                    self._break()
                if part:
                    self._write(part)
            return
        text = re.sub(r"[ \t\r\n\f]+", " ", data.replace("\xa0", " "))
        if not text.strip():
            if self._line and not "".join(self._line).endswith((" ", "\t")):
                self._write(" ")
            return
        if not self._line or "".join(self._line).endswith((" ", "\t")):
            text = text.lstrip()
        self._write(text)

    def text(self) -> str:
        if self._line:
            self._break()
        lines = [re.sub(r" *\t *", "\t", line).rstrip(" ") for line in self.lines]
        joined = "\n".join(lines)
        return re.sub(r"\n{3,}", "\n\n", joined).strip("\n")


def html_to_text(html: str) -> str:
    """Reduce an HTML body to readable text (never raises).

    Paragraphs, ``<br>`` and rows become line breaks, table cells are separated by tabs, quoted
    ``<blockquote>`` lines are prefixed ``"> "``, style/script/head are dropped, entities decoded.
    """
    writer = _TextWriter()
    try:
        writer.feed(html)
        writer.close()
    except (AssertionError, ValueError, RecursionError):  # html.parser's internal checks on broken markup
        return _CONTROL.sub("", re.sub(r"<[^>]*>", " ", html)).strip()
    return _CONTROL.sub("", writer.text())


# --------------------------------------------------------------------------- MIME structure


def _raw_headers(part: Message) -> list[tuple[str, str]]:
    return [(name.lower(), unfold(decode_words(_header_text(value)))) for name, value in part.raw_items()]


def _raw_values(part: Message, name: str) -> list[str]:
    return [_header_text(value) for key, value in part.raw_items() if key.lower() == name]


def _children(part: Message) -> list[Message]:
    payload = part.get_payload()
    if isinstance(payload, list):
        return [child for child in payload if isinstance(child, Message)]
    return []


def _disposition(part: Message) -> str:
    value = part.get("content-disposition")
    if value is None:
        return ""
    return _header_text(value).split(";", 1)[0].strip().lower()


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename() or part.get_param("name")
    except (ValueError, LookupError, TypeError):
        return None
    if isinstance(name, tuple):  # RFC 2231 value from get_param: (charset, language, text)
        charset, _language, text = name
        name = decode_bytes(text.encode("latin-1", "surrogateescape"), charset)[0]
    if not isinstance(name, str) or not name.strip():
        return None
    name = decode_words(_header_text(name))
    name = re.split(r"[\\/]", name)[-1]  # "C:\Users\...\plan.docx" from old Outlook Express
    name = _UNSAFE_FILENAME.sub("_", name).strip(" .")
    return name[:200] or None


def _payload_bytes(part: Message) -> bytes:
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        return payload
    return b""


def _text_of(part: Message, defects: list[str]) -> str:
    payload = _payload_bytes(part)
    charset = part.get_content_charset()
    subtype = part.get_content_subtype()
    if subtype == "html" and not charset:
        meta = re.search(rb"""<meta[^>]+charset=["']?([A-Za-z0-9_\-:.]+)""", payload[:4096], re.IGNORECASE)
        if meta:
            charset = meta.group(1).decode("ascii")
    text, note = decode_bytes(payload, charset)
    if note:
        defects.append(note)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if subtype == "html":
        return html_to_text(text)
    return _CONTROL.sub("", text).strip("\n")


def _is_text_body(part: Message) -> bool:
    return (
        part.get_content_type() in ("text/plain", "text/html")
        and _disposition(part) != "attachment"
        and _filename(part) is None
    )


def _body_parts(part: Message, depth: int) -> list[Message]:
    """The leaf parts that make up what the sender wrote, in order.

    multipart/alternative: the plain version when it has text, else the richest other one;
    multipart/related: its root (the ``start`` parameter or the first part); multipart/report: the
    human-readable first part; other multiparts: every inline text part, in order (Apple Mail splits a
    body around inline attachments).
    """
    if depth > MAX_DEPTH:
        return []
    maintype, subtype = part.get_content_maintype(), part.get_content_subtype()
    if maintype == "message":
        return []
    if maintype != "multipart":
        return [part] if _is_text_body(part) else []
    children = _children(part)
    if not children:
        return []
    if subtype == "alternative":
        options = [_body_parts(child, depth + 1) for child in children]
        for option in options:
            if any(
                leaf.get_content_type() == "text/plain" and _payload_bytes(leaf).strip() for leaf in option
            ):
                return option
        for option in reversed(options):
            if option:
                return option
        return []
    if subtype == "related":
        start = part.get_param("start")
        root = children[0]
        if isinstance(start, str):
            wanted = normalise_message_id(start)
            for child in children:
                if normalise_message_id(_header_text(child.get("content-id", ""))) == wanted:
                    root = child
        return _body_parts(root, depth + 1)
    if subtype == "report":
        return _body_parts(children[0], depth + 1)
    leaves: list[Message] = []
    for child in children:
        leaves.extend(_body_parts(child, depth + 1))
    return leaves


def _leaves(
    part: Message, depth: int, in_related: bool, defects: list[str]
) -> Iterator[tuple[Message, bool]]:
    """Every leaf part (message/* parts count as leaves) with whether it sits in multipart/related."""
    if depth > MAX_DEPTH:
        defects.append(f"MIME nesting deeper than {MAX_DEPTH} levels; deeper parts ignored")
        return
    if part.get_content_maintype() == "multipart":
        related = in_related or part.get_content_subtype() == "related"
        for child in _children(part):
            yield from _leaves(child, depth + 1, related, defects)
        return
    yield part, in_related


def _derived_filename(content_type: str, index: int) -> str:
    if content_type == "application/ms-tnef":
        return "winmail.dat"
    if content_type == "text/rfc822-headers":
        return "returned-headers.txt"
    extension = _EXTENSIONS.get(content_type) or mimetypes.guess_extension(content_type) or ".bin"
    return f"attachment-{index}{extension}"


def _inner_message_bytes(part: Message) -> tuple[bytes, str]:
    """The attached message's bytes and its subject (for the file name)."""
    inner = _children(part)
    if inner:
        message = inner[0]
        subject = unfold(decode_words(_header_text(message.get("subject", ""))))
        try:
            raw = message.as_bytes(policy=policy.compat32.clone(max_line_length=0, linesep="\r\n"))
        except Exception:  # the generator can choke on what the parser accepted; keep what we can
            raw = bytes(str(message.get_payload()), "utf-8", "replace")
        return raw, subject
    return _payload_bytes(part), ""


def _delivery_status_text(part: Message) -> bytes:
    """message/delivery-status (RFC 3464) as text: its field groups, one blank line apart."""
    groups = _children(part)
    if not groups:
        return _payload_bytes(part)
    blocks = [
        "\n".join(f"{name}: {unfold(_header_text(value))}" for name, value in group.raw_items())
        for group in groups
    ]
    return "\n\n".join(blocks).encode("utf-8")


def _attachments(
    root: Message, body: list[Message], html_text: str, defects: list[str]
) -> tuple[InputFile, ...]:
    body_ids = {id(leaf) for leaf in body}
    referenced = {m.lower() for m in re.findall(r"cid:([^\"'\s>)]+)", html_text, re.IGNORECASE)}
    files: list[InputFile] = []
    for leaf, in_related in _leaves(root, 0, False, defects):
        if id(leaf) in body_ids:
            continue
        content_type = leaf.get_content_type()
        maintype = leaf.get_content_maintype()
        disposition = _disposition(leaf)
        name = _filename(leaf)
        if content_type in ("text/plain", "text/html") and disposition != "attachment" and name is None:
            continue  # the other half of a multipart/alternative, or a list footer already in the body
        if content_type == "message/rfc822" or (content_type == "message/global"):
            payload, subject = _inner_message_bytes(leaf)
            stem = _UNSAFE_FILENAME.sub("_", subject).strip(" .")[:150] or "forwarded message"
            files.append(InputFile(filename=f"{stem}.eml", content_type="message/rfc822", payload=payload))
            continue
        if maintype == "message" and _children(leaf):
            # message/delivery-status (RFC 3464), message/disposition-notification (RFC 8098): field groups.
            files.append(
                InputFile(
                    filename=name or f"{leaf.get_content_subtype()}.txt",
                    content_type=content_type,
                    payload=_delivery_status_text(leaf),
                )
            )
            continue
        payload = _payload_bytes(leaf)
        if maintype == "image" and disposition != "attachment":
            content_id = (normalise_message_id(_header_text(leaf.get("content-id", ""))) or "").strip("<>")
            if content_id and content_id.lower() in referenced:
                continue  # shown inside the HTML body
            if in_related or len(payload) < SIGNATURE_IMAGE_BYTES:
                continue  # signature logo or layout image
        files.append(
            InputFile(
                filename=name or _derived_filename(content_type, len(files) + 1),
                content_type=content_type,
                payload=payload,
            )
        )
    return tuple(files)


# --------------------------------------------------------------------------- entry point


def _parse_structure(raw: bytes, defects: list[str]) -> Message:
    parser = BytesParser(policy=policy.compat32)
    try:
        return parser.parsebytes(raw)
    except RecursionError:
        defects.append("MIME structure too deeply nested to parse; body and attachments not read")
        return parser.parsebytes(raw, headersonly=True)


def parse_message(raw: bytes) -> ParsedMessage:
    """Parse one raw email. Pure and total: garbage, empty or truncated input gives a ParsedMessage
    whose ``defects`` say what was wrong, never an exception.
    """
    defects: list[str] = []
    try:
        return _parse(raw, defects)
    except Exception as error:  # the one broad catch: parse_message must be total (see docstring)
        logger.warning("message could not be parsed: %s", type(error).__name__)
        defects.append(f"unparseable: {type(error).__name__}")
        return ParsedMessage(message_id=None, subject="", sender=None, defects=tuple(defects))


def _parse(raw: bytes, defects: list[str]) -> ParsedMessage:
    if not raw.strip():
        return ParsedMessage(message_id=None, subject="", sender=None, defects=("empty message",))
    root = _parse_structure(raw, defects)
    for defect in root.defects:
        defects.append(type(defect).__name__)
    headers = tuple(_raw_headers(root))
    if not headers:
        # Not an email at all (a stray binary file, a truncated spool): nothing in it is a message body.
        defects.append("no header fields")
        return ParsedMessage(message_id=None, subject="", sender=None, defects=tuple(dict.fromkeys(defects)))

    def first(name: str) -> str | None:
        values = _raw_values(root, name)
        return values[0] if values else None

    message_ids = parse_message_ids(first("message-id") or "")
    if not message_ids:
        defects.append("no Message-ID")
    in_reply_to = parse_message_ids(first("in-reply-to") or "")
    references = tuple(ref for value in _raw_values(root, "references") for ref in parse_message_ids(value))
    date_value = first("date")
    date = parse_date(date_value)
    if date_value and date is None:
        defects.append("unreadable Date")
    senders = parse_addresses(_raw_values(root, "from"))

    body = _body_parts(root, 0)
    texts = [_text_of(leaf, defects) for leaf in body]
    body_text = "\n\n".join(text for text in texts if text.strip())
    html_sources = " ".join(
        _payload_bytes(leaf).decode("latin-1")
        for leaf, _ in _leaves(root, 0, False, [])
        if leaf.get_content_type() == "text/html"
    )
    attachments = _attachments(root, body, html_sources, defects)
    return ParsedMessage(
        message_id=message_ids[0] if message_ids else None,
        subject=unfold(decode_words(first("subject") or "")),
        sender=senders[0] if senders else None,
        sender_problem=sender_problem(_raw_values(root, "from")),
        to=parse_addresses(_raw_values(root, "to")),
        cc=parse_addresses(_raw_values(root, "cc")),
        reply_to=parse_addresses(_raw_values(root, "reply-to")),
        date=date,
        in_reply_to=in_reply_to[0] if in_reply_to else None,
        references=references,
        body_text=body_text,
        attachments=attachments,
        headers=headers,
        defects=tuple(dict.fromkeys(defects)),
    )
