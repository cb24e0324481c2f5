"""Turn tick-box glyphs drawn with symbol fonts (Wingdings, Wingdings 2, ZapfDingbats) into ☒/☐ (pure).

Word's "Insert Symbol" check boxes and many PDF generators draw a box or a tick as a letter in a
dingbat font: Wingdings "o" is an empty box, "þ" a box with a tick; ZapfDingbats "n" is a filled
square. Read as text they come out as stray letters ("n Level 1 o Level 2"), so the readers ask this
module what a symbol-font character means. Only boxes, ticks and crosses are translated; any other
symbol-font character is left as it is. A filled square, a tick and a cross all mean "ticked"; an
empty box means "not ticked".
"""

from __future__ import annotations

TICKED, UNTICKED = "☒", "☐"

#: Wingdings (1): ■ n, □ o, ◻ p, ❑ q, ❒ r, ⌧ x, ◻ ¨, ✗ û, ✓ ü, ☒ ý, ☑ þ.
_WINGDINGS = {
    0x6E: TICKED,
    0x6F: UNTICKED,
    0x70: UNTICKED,
    0x71: UNTICKED,
    0x72: UNTICKED,
    0x78: TICKED,
    0xA8: UNTICKED,
    0xFB: TICKED,
    0xFC: TICKED,
    0xFD: TICKED,
    0xFE: TICKED,
}
#: Wingdings 2: ✗ O, ✓ P, ☒ Q, ☑ R, ☒ S, ☒ T, ☐ £.
_WINGDINGS_2 = {
    0x4F: TICKED,
    0x50: TICKED,
    0x51: TICKED,
    0x52: TICKED,
    0x53: TICKED,
    0x54: TICKED,
    0xA3: UNTICKED,
}
#: ZapfDingbats / Dingbats: ✓ 3, ✔ 4, ✕ 5, ✖ 6, ✗ 7, ✘ 8, ■ n, ❏ o, ❐ p, ❑ q, ❒ r.
_ZAPF = {
    0x33: TICKED,
    0x34: TICKED,
    0x35: TICKED,
    0x36: TICKED,
    0x37: TICKED,
    0x38: TICKED,
    0x6E: TICKED,
    0x6F: UNTICKED,
    0x70: UNTICKED,
    0x71: UNTICKED,
    0x72: UNTICKED,
}
#: Box and tick characters that already are Unicode but are not the layout's two glyphs.
_UNICODE_BOXES = {"☑": TICKED, "✓": TICKED, "✔": TICKED, "☒": TICKED, "☐": UNTICKED}


def _table_for(font: str) -> dict[int, str] | None:
    """The glyph table for a font name as PDFs and Word spell it ("ABCDEF+Wingdings-Regular", "Wingdings 2")."""
    name = font.split("+", 1)[-1].replace(" ", "").replace("-", "").lower()
    if name.startswith("wingdings2"):
        return _WINGDINGS_2
    if name.startswith("wingdings"):
        return _WINGDINGS
    if "dingbats" in name:
        return _ZAPF
    return None


def is_symbol_font(font: str) -> bool:
    """True when ``font`` is a dingbat font whose letters are pictures (boxes, ticks, arrows)."""
    return _table_for(font) is not None


def checkbox_glyph(font: str, text: str) -> str | None:
    """``☒``/``☐`` for one character ``text`` drawn in ``font``; None when it is not a box or tick.

    Symbol fonts are addressed either by their 8-bit code ("þ") or, in Word and in PDFs exported
    from it, by the private-use code U+F000 + code (U+F0FE); both are understood.
    """
    if len(text) != 1:
        return None
    table = _table_for(font)
    if table is None:
        return None
    code = ord(text)
    if 0xF000 <= code <= 0xF0FF:
        code -= 0xF000
    return table.get(code) or _UNICODE_BOXES.get(text)


def symbol_char(font: str, hex_code: str) -> str:
    """What a Word ``w:sym`` element (``w:font``, ``w:char`` in hex) shows, as the layout writes it.

    A tick box in a symbol font becomes ``☒``/``☐``; a Unicode box or tick (``Segoe UI Symbol``
    2611) becomes the layout's glyph; anything else in a dingbat font is dropped (it is a picture,
    not text), and a real character in an ordinary font is kept.
    """
    try:
        code = int(hex_code, 16)
    except ValueError:
        return ""
    if not 0 <= code <= 0x10FFFF:
        return ""
    glyph = checkbox_glyph(font, chr(code)) if font else None
    if glyph is not None:
        return glyph
    if not font:
        # No font named: Word's default symbol check boxes are Wingdings.
        return checkbox_glyph("Wingdings", chr(code)) or ""
    if is_symbol_font(font) or font.replace(" ", "").lower() == "symbol" or 0xF000 <= code <= 0xF0FF:
        return ""
    text = chr(code)
    return _UNICODE_BOXES.get(text, text)
