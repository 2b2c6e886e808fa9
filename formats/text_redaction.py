"""Keeping the text: a plan's boxes removed from a born-digital PDF's content, not burned.

For each page with boxes, the content stream is read operator by operator (pikepdf) and every
glyph's place worked out from the fonts' widths. The glyphs whose middle lies in a box are
taken out of the text-showing operators; each run of them becomes one black box of a fixed
width (:func:`papka.formats.verify.gaps.box_width` of its height, whatever it hid, with a fixed
margin either side); and every line that held one is set again from its start with the fonts'
natural advances (no word or character spacing, no kerning), so nothing on that line depends on
the width of what was removed. Pages papka cannot rewrite safely are burned, each with a reason
(:data:`BURN_REASONS`). The copy is then rebuilt without metadata, structure tree, alternate
texts, annotations, outlines or attachments, in one revision. docs/redaction.md, section 3a,
"Keeping the text", states the argument and the limits.
"""

from __future__ import annotations

import ctypes
import functools
import io
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain, repeat
from typing import cast

import pikepdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from papka.formats import limits, pdf
from papka.formats.plan import Box, RedactionPlan
from papka.formats.verify.gaps import box_height, box_margin, box_width
from papka.pages import page_value

__all__ = ["BURN_REASONS", "MAX_OPERATORS", "KeptText", "keep_text"]

#: Why a page was burned instead of keeping its text (codes, as in Redacted.burned_pages).
BURN_REASONS: dict[str, str] = {
    "picture": "a picture lies under a box",
    "drawing": "a drawing lies under a box (it may be text drawn as shapes)",
    "type3-font": "text under a box is in a Type 3 font",
    "unmeasured-font": "a font on the page has no widths or an encoding papka does not read",
    "form-text": "text under a box is inside a form drawn more than once on the page or "
                 "nested in another, or a line is drawn partly by a form",
    "turned-text": "text under a box is turned, slanted or mirrored",
    "unmatched-text": "papka could not match every letter under a box in the content",
    "line-overflow": "a line set again would run into other text or off the page",
    "turned-box": "a box was drawn turned (a scan read by OCR)",
    "whole-page": "the whole page is covered",
    "content": "the page's content could not be read",
    "verification": "the copy with text kept did not pass verification",
}

#: Between two words that had no space glyph (a gap of more than WORD_GAP_EMS), a space of
#: WORD_SPACE_EMS is set: a fixed width, so justification does not survive.
WORD_GAP_EMS = 0.15
WORD_SPACE_EMS = 0.25
#: Glyphs on one baseline further apart than this are separate pieces of text (columns, tab
#: stops), set independently.
SEGMENT_GAP_EMS = 3.0
#: Glyphs whose baselines lie this many font sizes apart or less are on one line (a raised
#: or lowered footnote mark included).
LINE_RISE_EMS = 0.4
#: Drawings thinner than this may lie under a box: upright ones (table borders), and level
#: ones that reach past the box on both sides (rules, a form's blank line). A level line that
#: ends within the box, such as an underline as long as the hidden text, burns the page.
THIN_PT = 2.0
#: Forms nested deeper than this are not followed; the page is burned.
MAX_FORM_DEPTH = 12
#: A page (with the forms it draws) with more operators than this is burned rather than read
#: operator by operator in Python (threat A5: no hang on a crafted page).
MAX_OPERATORS = 400_000

Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
Rect = tuple[float, float, float, float]
#: A content stream's showing operators (name, operands), in order.
_Shown = list[tuple[str, Sequence[object]]]
#: The content streams papka wrote (their bytes) and their showing operators, so the streams
#: need not be parsed again to tell which codes the copy still shows.
_WrittenStreams = dict[bytes, _Shown]


class _Burn(Exception):
    """This page cannot keep its text; the code says why (a key of BURN_REASONS)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _mul(m: Matrix, n: Matrix) -> Matrix:
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return (a * p + b * r, a * q + b * s, c * p + d * r, c * q + d * s,
            e * p + f * r + t, e * q + f * s + u)


def _apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    return x * m[0] + y * m[2] + m[4], x * m[1] + y * m[3] + m[5]


def _matrix(values: Sequence[object]) -> Matrix:
    numbers = [float(v) for v in values]  # type: ignore[arg-type]
    if len(numbers) != 6 or not all(map(math.isfinite, numbers)):
        raise _Burn("content")
    return (numbers[0], numbers[1], numbers[2], numbers[3], numbers[4], numbers[5])


# --- fonts ---------------------------------------------------------------------------------

_HEX = re.compile(rb"<([0-9A-Fa-f\s]*)>")
_RANGE = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]*>|\[[^\]]*\])")


def _unicode_map(font: pikepdf.Dictionary) -> dict[bytes, str]:
    """The font's ToUnicode CMap, code to text (bfchar and bfrange), or empty."""
    stream = font.get("/ToUnicode")
    if not isinstance(stream, pikepdf.Stream):
        return {}
    try:
        data = stream.read_bytes()
    except pikepdf.PdfError:
        return {}
    mapping: dict[bytes, str] = {}

    def text(hexed: bytes) -> str:
        raw = bytes.fromhex(hexed.decode("ascii").replace(" ", "").replace("\n", ""))
        return raw.decode("utf-16-be", errors="replace")

    def code(hexed: bytes) -> bytes:
        return bytes.fromhex(re.sub(rb"\s", b"", hexed).decode("ascii"))

    for block in re.finditer(rb"beginbfchar(.*?)endbfchar", data, re.S):
        pairs = _HEX.findall(block.group(1))
        for source, target in zip(pairs[0::2], pairs[1::2], strict=False):
            try:
                mapping[code(source)] = text(target)
            except ValueError:
                continue
    for block in re.finditer(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for entry in _RANGE.finditer(block.group(1)):
            try:
                low, high = code(entry.group(1)), code(entry.group(2))
            except ValueError:
                continue
            first, last = int.from_bytes(low, "big"), int.from_bytes(high, "big")
            if last < first or last - first > 0xFFFF:
                continue
            target = entry.group(3)
            try:
                if target.startswith(b"["):
                    for offset, item in enumerate(_HEX.findall(target)):
                        mapping[(first + offset).to_bytes(len(low), "big")] = text(item)
                else:
                    start = bytes.fromhex(target[1:-1].decode("ascii"))
                    base = int.from_bytes(start, "big")
                    for offset in range(last - first + 1):
                        value = (base + offset).to_bytes(len(start), "big")
                        mapping[(first + offset).to_bytes(len(low), "big")] = value.decode(
                            "utf-16-be", errors="replace")
            except ValueError:
                continue
    return mapping


@dataclass
class _Font:
    """What papka needs of a font to place its glyphs: code length and widths."""

    two_byte: bool
    widths: dict[int, float]
    default: float
    unicode: dict[bytes, str]
    type3: bool = False
    #: Each code met so far: its width, whether it is a space, what it reads as (this font's
    #: own: every font object is measured into a _Font of its own).
    known: dict[bytes, tuple[float, bool, str | None]] = field(default_factory=dict, repr=False)

    def glyph(self, code: bytes) -> tuple[float, bool, str | None]:
        """A code's width, whether it is a space, and what it reads as, worked out once."""
        found = self.known.get(code)
        if found is None:
            found = self.known[code] = (self.width(code), self.is_space(code), self.text(code))
        return found

    def codes(self, data: bytes) -> list[bytes]:
        if self.two_byte:
            if len(data) % 2:
                raise _Burn("unmeasured-font")
            return [data[i:i + 2] for i in range(0, len(data), 2)]
        return [data[i:i + 1] for i in range(len(data))]

    def width(self, code: bytes) -> float:
        return self.widths.get(int.from_bytes(code, "big"), self.default) / 1000.0

    def total_width(self, data: bytes) -> float:
        """The widths of all of a string's glyphs, added up (glyph units / 1000)."""
        if self.two_byte:
            if len(data) % 2:
                raise _Burn("unmeasured-font")
            codes: Sequence[int] = [int.from_bytes(data[i:i + 2], "big")
                                    for i in range(0, len(data), 2)]
        else:
            codes = data
        # map() rather than a generator: this runs for every text operator of a page.
        return sum(map(self.widths.get, codes, repeat(self.default))) / 1000.0

    def text(self, code: bytes) -> str | None:
        mapped = self.unicode.get(code)
        if mapped is None and not self.two_byte and 32 <= code[0] < 127:
            return chr(code[0])
        return mapped

    def is_space(self, code: bytes) -> bool:
        text = self.unicode.get(code)
        if text is not None:
            return text.isspace() or text == ""
        return not self.two_byte and code == b" "


def _number(value: object, default: float = 0.0) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default
    return number if math.isfinite(number) else default


def _load_font(font: object) -> _Font | None:
    """The font's widths, or None when papka cannot measure it (then pages that need it burn)."""
    if not isinstance(font, pikepdf.Dictionary):
        return None
    subtype = font.get("/Subtype")
    if subtype == pikepdf.Name.Type3:
        return _Font(False, {}, 0.0, {}, type3=True)
    if subtype == pikepdf.Name.Type0:
        if font.get("/Encoding") != pikepdf.Name("/Identity-H"):
            return None
        descendants = font.get("/DescendantFonts")
        if not isinstance(descendants, pikepdf.Array) or len(descendants) != 1:
            return None
        cid = descendants[0]
        if not isinstance(cid, pikepdf.Dictionary):
            return None
        widths: dict[int, float] = {}
        table = cid.get("/W")
        if isinstance(table, pikepdf.Array):
            items = list(table)
            index = 0
            while index < len(items):
                first = int(_number(items[index], -1))
                if first < 0 or index + 1 >= len(items):
                    return None
                following = items[index + 1]
                if isinstance(following, pikepdf.Array):
                    for offset, value in enumerate(following):
                        widths[first + offset] = _number(value)
                    index += 2
                else:
                    if index + 2 >= len(items):
                        return None
                    last = int(_number(following, -1))
                    if last < first or last - first > 0xFFFF:
                        return None
                    same = _number(items[index + 2])
                    for code in range(first, last + 1):
                        widths[code] = same
                    index += 3
        return _Font(True, widths, _number(cid.get("/DW"), 1000.0), _unicode_map(font))
    if subtype not in (pikepdf.Name.Type1, pikepdf.Name.TrueType, pikepdf.Name.MMType1):
        return None
    table = font.get("/Widths")
    if not isinstance(table, pikepdf.Array):
        return None  # a standard font without widths: papka has no metrics for it
    first = int(_number(font.get("/FirstChar"), 0))
    descriptor = font.get("/FontDescriptor")
    missing = _number(descriptor.get("/MissingWidth"), 0.0) if isinstance(
        descriptor, pikepdf.Dictionary) else 0.0
    widths = {first + offset: _number(value) for offset, value in enumerate(table)}
    return _Font(False, widths, missing, _unicode_map(font))


# --- reading a content stream --------------------------------------------------------------


@dataclass(slots=True)
class _Glyph:
    stream: int          # 0: the page's content; else a form (not movable)
    op: int              # index of the text-showing operator in the page's operators
    code: bytes
    width: float         # natural advance in glyph units / 1000
    x: float             # origin in user space (upright text only)
    y: float             # baseline in user space
    advance: float       # natural advance in user space
    size: float          # font size in user space
    space: bool
    upright: bool
    center: tuple[float, float]  # middle of the glyph, in user space
    type3: bool
    text: str | None = None  # what the glyph reads as (ToUnicode), if known
    covered: bool = False
    new_x: float | None = None
    #: Placed on its own (a fresh text matrix): the glyphs either side of a box, so that a
    #: reader that rounds the fonts' widths still finds the box's edges where they are.
    anchor: bool = False


@dataclass(slots=True)
class _TextState:
    char_spacing: float = 0.0
    word_spacing: float = 0.0
    scale: float = 1.0
    leading: float = 0.0
    font: _Font | None = None
    font_known: bool = True
    size: float = 0.0
    rise: float = 0.0
    #: The operators (their indices) that set the character and word spacing in effect.
    spacing_setters: tuple[int, int] = (-1, -1)

    def copy(self) -> _TextState:
        return _TextState(self.char_spacing, self.word_spacing, self.scale, self.leading,
                          self.font, self.font_known, self.size, self.rise,
                          self.spacing_setters)


@dataclass(slots=True)
class _Show:
    """A text-showing operator (of the page's content or of a form it draws), and the state
    it ran in."""

    op: int
    glyphs: list[_Glyph]
    tm: Matrix               # text matrix as the glyphs start (after ' or " moved the line)
    state: _TextState
    ctm: Matrix
    block: int               # index of the BT that opened its text object


@dataclass
class _Stream:
    """One content stream as read: the page's own (number 0) or a form it draws."""

    ops: Sequence[object]
    #: Each operator's name, read once: the stream is walked again to rewrite it.
    names: list[str] = field(init=False)
    shows: dict[int, _Show] = field(default_factory=dict)
    #: Spacing setters in effect where this stream draws a form (whose text may use them).
    form_setters: set[int] = field(default_factory=set)
    #: For a form: the form, the name the page's resources give it, and how deep it is drawn.
    form: pikepdf.Stream | None = None
    name: pikepdf.Name | None = None
    depth: int = 0

    def __post_init__(self) -> None:
        self.names = _operator_names(self.ops)


#: What an inline image's operator reads as (no operator in a content stream can: it has a
#: space).
_INLINE_IMAGE = "INLINE IMAGE"


def _operator_names(ops: Sequence[object]) -> list[str]:
    return [str(instruction.operator) for instruction in ops]  # type: ignore[attr-defined]


@dataclass
class _Page:
    glyphs: list[_Glyph] = field(default_factory=list)
    streams: dict[int, _Stream] = field(default_factory=dict)
    #: How many times each form (by object) is drawn on the page.
    draws: dict[tuple[int, int], int] = field(default_factory=dict)
    marks: list[tuple[Rect, str]] = field(default_factory=list)  # pictures, drawings: bbox, kind
    unknown_font: bool = False
    #: The largest glyph size (user space) the page shows, and whether it uses a Type 3 font
    #: (whose glyphs may reach anywhere): how far from a box a letter under it may start.
    largest: float = 0.0
    type3: bool = False
    operators: int = 0
    #: Marked content with /ActualText: pdfium then reads that text in place of the glyphs'.
    alternates: bool = False


#: Operators that fill or stroke the path built so far.
_PAINTING = frozenset({"S", "s", "f", "F", "f*", "B", "B*", "b", "b*"})
#: Every operator the reader acts on; the others (colours, line styles, ET, EMC) are passed.
_READ_OPERATORS = frozenset({
    _INLINE_IMAGE, "Tj", "TJ", "'", '"', "Tf", "Tm", "T*", "TL", "BT", "Td", "TD", "q", "Q",
    "cm", "Tc", "Tw", "Tz", "Ts", "Do", "m", "l", "c", "v", "y", "re", "n", "sh", "BDC",
}) | _PAINTING


#: Fonts as measured for one document: an indirect font by its object, a direct one by what
#: it says (two direct fonts that read alike measure alike; their wrappers' ids say nothing).
_FontKey = tuple[int, int] | bytes


def _measured_font_key(font: pikepdf.Object) -> _FontKey:
    return font.objgen if font.is_indirect else font.unparse()


class _Reader:
    """Walks a page's operators (and the forms it draws), placing every glyph."""

    def __init__(self, page: _Page, fonts: dict[_FontKey, _Font | None],
                 bands: Sequence[tuple[float, float]] = ()) -> None:
        self.page = page
        self.fonts = fonts
        #: Heights (user space) where a box lies: upright text elsewhere is only measured.
        self.bands = list(bands)

    def font(self, resources: object, name: object) -> tuple[_Font | None, bool]:
        if not isinstance(resources, pikepdf.Dictionary):
            return None, False
        table = resources.get("/Font")
        if not isinstance(table, pikepdf.Dictionary) or not isinstance(name, pikepdf.Name):
            return None, False
        font = table.get(name)
        if font is None:
            return None, False
        key = _measured_font_key(font)
        if key not in self.fonts:
            self.fonts[key] = _load_font(font)
        loaded = self.fonts[key]
        return loaded, loaded is not None

    def run(self, ops: Sequence[object], resources: object, ctm: Matrix, stream: int,
            depth: int = 0, inherited: _TextState | None = None) -> None:
        """Read one content stream; a form starts with the text state its caller left."""
        if depth > MAX_FORM_DEPTH:
            raise _Burn("content")
        self.page.operators += len(ops)
        if self.page.operators > MAX_OPERATORS:
            raise _Burn("content")
        if stream not in self.page.streams:
            self.page.streams[stream] = _Stream(ops)
        reading = self.page.streams[stream]
        names = reading.names
        stack: list[tuple[Matrix, _TextState]] = []
        state = inherited.copy() if inherited is not None else _TextState()
        # Spacing set by the caller is not this stream's to rewrite.
        state.spacing_setters = (-2, -2) if inherited is not None else (-1, -1)
        tm = tlm = IDENTITY
        block = -1
        path: list[tuple[float, float]] = []
        # The fonts this stream's resources name, looked up once per name (the resources of
        # one stream do not change while it is read).
        chosen: dict[str, tuple[_Font | None, bool]] = {}
        for index, instruction in enumerate(ops):
            operator = names[index]
            if operator not in _READ_OPERATORS:
                continue  # colours, line styles, the ends of text objects and marked content
            if operator == _INLINE_IMAGE:
                self.mark(_unit_square(ctm), "picture")
                continue
            # Operators without operands first, so their (empty) operands are not fetched.
            if operator == "T*":
                tm = tlm = _mul((1.0, 0.0, 0.0, 1.0, 0.0, -state.leading), tlm)
                continue
            if operator == "BT":
                tm = tlm = IDENTITY
                block = index
                continue
            operands = instruction.operands  # type: ignore[attr-defined]
            # The text operators come first: they are most of a born-digital page.
            if operator in ("Tj", "TJ", "'", '"'):
                if operator == '"' and len(operands) == 3:
                    state.word_spacing = _number(operands[0])
                    state.char_spacing = _number(operands[1])
                    state.spacing_setters = (index, index)
                if operator in ("'", '"'):
                    tm = tlm = _mul((1.0, 0.0, 0.0, 1.0, 0.0, -state.leading), tlm)
                start = tm
                glyphs, moved = self.show(operands[-1] if operands else None, state, tm, ctm,
                                          stream, index)
                tm = _mul((1.0, 0.0, 0.0, 1.0, moved, 0.0), tm)
                reading.shows[index] = _Show(index, glyphs, start, state.copy(), ctm, block)
            elif operator == "Tf" and len(operands) == 2:
                name = operands[0]
                if isinstance(name, pikepdf.Name):
                    label = str(name)
                    if label not in chosen:
                        chosen[label] = self.font(resources, name)
                    state.font, state.font_known = chosen[label]
                else:
                    state.font, state.font_known = None, False
                state.size = _number(operands[1])
            elif operator == "Tm" and len(operands) == 6:
                tm = tlm = _matrix(operands)
            elif operator == "TL" and operands:
                state.leading = _number(operands[0])
            elif operator in ("Td", "TD") and len(operands) == 2:
                tx, ty = _number(operands[0]), _number(operands[1])
                if operator == "TD":
                    state.leading = -ty
                tm = tlm = _mul((1.0, 0.0, 0.0, 1.0, tx, ty), tlm)
            elif operator == "q":
                stack.append((ctm, state.copy()))
            elif operator == "Q":
                if stack:
                    ctm, state = stack.pop()
            elif operator == "cm":
                ctm = _mul(_matrix(operands), ctm)
            elif operator == "Tc" and operands:
                state.char_spacing = _number(operands[0])
                state.spacing_setters = (index, state.spacing_setters[1])
            elif operator == "Tw" and operands:
                state.word_spacing = _number(operands[0])
                state.spacing_setters = (state.spacing_setters[0], index)
            elif operator == "Tz" and operands:
                state.scale = _number(operands[0], 100.0) / 100.0
            elif operator == "Ts" and operands:
                state.rise = _number(operands[0])
            elif operator == "Do" and operands:
                reading.form_setters.update(state.spacing_setters)
                self.draw_xobject(resources, operands[0], ctm, depth, state)
            elif operator in ("m", "l") and len(operands) == 2:
                path.append(_apply(ctm, _number(operands[0]), _number(operands[1])))
            elif operator in ("c", "v", "y"):
                for pair in range(0, len(operands) - 1, 2):
                    path.append(_apply(ctm, _number(operands[pair]), _number(operands[pair + 1])))
            elif operator == "re" and len(operands) == 4:
                x, y, w, h = (_number(v) for v in operands)
                path.extend(_apply(ctm, px, py) for px, py in
                            ((x, y), (x + w, y), (x, y + h), (x + w, y + h)))
            elif operator in _PAINTING:
                if path:
                    xs = [p[0] for p in path]
                    ys = [p[1] for p in path]
                    self.mark((min(xs), min(ys), max(xs), max(ys)), "drawing")
                path = []
            elif operator == "n":
                path = []
            elif operator == "sh":
                self.mark((-math.inf, -math.inf, math.inf, math.inf), "drawing")
            elif operator == "BDC" and len(operands) == 2:
                properties = operands[1]
                if isinstance(properties, pikepdf.Name) and isinstance(
                        resources, pikepdf.Dictionary):
                    named = resources.get("/Properties")
                    properties = named.get(properties) if isinstance(
                        named, pikepdf.Dictionary) else None
                if isinstance(properties, pikepdf.Dictionary) and "/ActualText" in properties:
                    self.page.alternates = True

    def mark(self, rect: Rect, kind: str) -> None:
        self.page.marks.append((rect, kind))

    def show(self, text: object, state: _TextState, tm: Matrix, ctm: Matrix, stream: int,
             op: int) -> tuple[list[_Glyph], float]:
        """Place the glyphs of one text-showing operator; return them and the displacement."""
        if isinstance(text, pikepdf.Array):
            items = list(text)
        elif isinstance(text, pikepdf.String):
            items = [text]
        else:
            return [], 0.0
        font = state.font
        if font is None:
            if any(isinstance(i, pikepdf.String) and len(bytes(i)) for i in items):
                self.page.unknown_font = True
            return [], 0.0
        matrix = _mul(tm, ctm)
        self.page.largest = max(self.page.largest, abs(state.size) * max(
            math.hypot(matrix[0], matrix[1]), math.hypot(matrix[2], matrix[3])) * max(
            1.0, abs(state.scale)))
        self.page.type3 = self.page.type3 or font.type3
        upright = (abs(matrix[1]) <= 1e-6 * abs(matrix[0]) and abs(matrix[2]) <= 1e-6 *
                   abs(matrix[3]) and matrix[0] > 0 and matrix[3] > 0 and state.scale > 0
                   and state.size > 0)
        glyphs: list[_Glyph] = []
        moved = 0.0
        if upright and self.bands:
            middle = matrix[3] * (state.rise + 0.3 * state.size) + matrix[5]
            for low, high in self.bands:
                if low <= middle <= high:
                    break
            else:
                return [], self.advance(items, font, state)
        size, scale, rise = state.size, state.scale, state.rise
        spacing = state.char_spacing * scale
        words = state.word_spacing * scale
        height = size * abs(matrix[3])
        raised = rise + 0.3 * size  # a glyph's middle, above its baseline
        for item in items:
            if isinstance(item, pikepdf.String):
                for code in font.codes(bytes(item)):
                    width, space, reads = font.glyph(code)
                    natural = width * size * scale
                    advance = natural + spacing
                    if not font.two_byte and code == b" ":
                        advance += words
                    cx, cy = _apply(matrix, moved + natural / 2, raised)
                    ox, oy = _apply(matrix, moved, rise)
                    glyphs.append(_Glyph(stream, op, code, width, ox, oy, natural * matrix[0],
                                         height, space, upright, (cx, cy), font.type3, reads))
                    moved += advance
            else:
                moved -= _number(item) / 1000.0 * state.size * state.scale
        self.page.glyphs.extend(glyphs)
        return glyphs, moved

    @staticmethod
    def advance(items: Sequence[object], font: _Font, state: _TextState) -> float:
        """How far an operator moves the text, without placing its glyphs."""
        units = 0.0
        count = spaces = 0
        for item in items:
            if isinstance(item, pikepdf.String):
                data = bytes(item)
                units += font.total_width(data)
                count += len(data) // 2 if font.two_byte else len(data)
                if not font.two_byte:
                    spaces += data.count(b" ")
            else:
                units -= _number(item) / 1000.0
        return (units * state.size + count * state.char_spacing
                + spaces * state.word_spacing) * state.scale

    def draw_xobject(self, resources: object, name: object, ctm: Matrix, depth: int,
                     state: _TextState) -> None:
        if not isinstance(resources, pikepdf.Dictionary):
            return
        table = resources.get("/XObject")
        if not isinstance(table, pikepdf.Dictionary) or not isinstance(name, pikepdf.Name):
            return
        xobject = table.get(name)
        if not isinstance(xobject, pikepdf.Stream):
            return
        subtype = xobject.get("/Subtype")
        if subtype == pikepdf.Name.Image:
            self.mark(_unit_square(ctm), "picture")
            return
        if subtype != pikepdf.Name.Form:
            return
        matrix = _matrix(list(xobject.get("/Matrix", pikepdf.Array(list(IDENTITY)))))
        try:
            ops = pikepdf.parse_content_stream(xobject)
        except (pikepdf.PdfError, ValueError) as error:
            raise _Burn("content") from error
        inner = xobject.get("/Resources", resources)
        key = _font_key(xobject)
        self.page.draws[key] = self.page.draws.get(key, 0) + 1
        number = len(self.page.streams)
        self.page.streams[number] = _Stream(ops, form=xobject, name=name, depth=depth + 1)
        self.run(ops, inner, _mul(matrix, ctm), number, depth + 1, state)


def _unit_square(ctm: Matrix) -> Rect:
    corners = [_apply(ctm, x, y) for x in (0.0, 1.0) for y in (0.0, 1.0)]
    xs = [c[0] for c in corners]
    ys = [c[1] for c in corners]
    return min(xs), min(ys), max(xs), max(ys)


# --- deciding and setting again ------------------------------------------------------------


@dataclass(frozen=True)
class _Display:
    """User space to the plan's coordinates (top-left origin, page rotation applied)."""

    box: Rect
    rotate: int

    def point(self, x: float, y: float) -> tuple[float, float]:
        x0, y0, x1, y1 = self.box
        if self.rotate == 90:
            return y - y0, x - x0
        if self.rotate == 180:
            return x1 - x, y - y0
        if self.rotate == 270:
            return y1 - y, x1 - x
        return x - x0, y1 - y

    def user(self, x: float, y: float) -> tuple[float, float]:
        """The inverse of point: the plan's coordinates back to user space."""
        x0, y0, x1, y1 = self.box
        if self.rotate == 90:
            return y + x0, x + y0
        if self.rotate == 180:
            return x1 - x, y + y0
        if self.rotate == 270:
            return x1 - y, y1 - x
        return x + x0, y1 - y

    def user_rect(self, box: Box) -> Rect:
        corners = [self.user(x, y) for x in (box.x0, box.x1) for y in (box.y0, box.y1)]
        xs = [c[0] for c in corners]
        ys = [c[1] for c in corners]
        return min(xs), min(ys), max(xs), max(ys)

    def rect(self, rect: Rect) -> Rect:
        corners = [self.point(x, y) for x in (rect[0], rect[2]) for y in (rect[1], rect[3])]
        xs = [c[0] for c in corners]
        ys = [c[1] for c in corners]
        return min(xs), min(ys), max(xs), max(ys)


def _display(page: pikepdf.Dictionary) -> _Display:
    box = page_value(page, "/CropBox") or page_value(page, "/MediaBox")
    if not isinstance(box, pikepdf.Array) or len(box) != 4:
        raise _Burn("content")
    x0, y0, x1, y1 = (_number(v) for v in box)
    rotate = int(_number(page_value(page, "/Rotate"), 0)) % 360
    return _Display((min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)), rotate)


def _thin_and_long(shape: Rect, boxes: Sequence[Box]) -> bool:
    """A drawing under boxes that tells nothing of what they hide (see THIN_PT)."""
    width, height = shape[2] - shape[0], shape[3] - shape[1]
    if width <= THIN_PT:
        return True
    return height <= THIN_PT and all(shape[0] < box.x0 - box.height and shape[2] > box.x1 +
                                     box.height for box in boxes)


def _overlaps(rect: Rect, box: Box) -> bool:
    return rect[0] < box.x1 and rect[2] > box.x0 and rect[1] < box.y1 and rect[3] > box.y0


@dataclass(frozen=True)
class _PaintedBox:
    x: float
    y: float
    width: float
    height: float


def _segments(glyphs: list[_Glyph]) -> list[list[_Glyph]]:
    """Upright glyphs grouped into pieces of a line: baselines within LINE_RISE_EMS of each
    other (so a raised footnote mark belongs to its line), close together, in the order the
    content shows them (which is the reading order even where words overlap)."""
    upright = sorted(((index, g) for index, g in enumerate(glyphs) if g.upright),
                     key=lambda item: (item[1].y, item[0]))
    lines: list[list[tuple[int, _Glyph]]] = []
    for index, glyph in upright:
        if lines and glyph.y - lines[-1][0][1].y <= LINE_RISE_EMS * max(
                glyph.size, lines[-1][0][1].size, 1e-3):
            lines[-1].append((index, glyph))
        else:
            lines.append([(index, glyph)])
    pieces: list[list[_Glyph]] = []
    for line in lines:
        line.sort(key=lambda item: item[0])
        piece: list[_Glyph] = []
        for _index, glyph in line:
            if piece:
                last = piece[-1]
                gap = glyph.x - (last.x + last.advance)
                if abs(gap) > SEGMENT_GAP_EMS * max(last.size, glyph.size):
                    pieces.append(piece)
                    piece = []
            piece.append(glyph)
        pieces.append(piece)
    return pieces


def _set_again(piece: list[_Glyph]) -> list[_PaintedBox]:
    """Give every kept glyph of a line piece its new place; return the boxes painted on it."""
    # Spaces beside a removed run go with it: the box's fixed margins keep the words apart.
    changed = True
    while changed:
        changed = False
        for index, glyph in enumerate(piece):
            if glyph.space and not glyph.covered and (
                    (index > 0 and piece[index - 1].covered)
                    or (index + 1 < len(piece) and piece[index + 1].covered)):
                glyph.covered = True
                changed = True
    size = max(g.size for g in piece)
    height = box_height(size)
    width = box_width(height)
    margin = box_margin(height)
    pen = piece[0].x
    boxes: list[_PaintedBox] = []
    previous: _Glyph | None = None
    in_run = False
    for glyph in piece:
        if glyph.covered:
            if not in_run:
                if previous is not None:
                    previous.anchor = True
                boxes.append(_PaintedBox(pen + margin, glyph.y - 0.3 * size, width, height))
                pen += width + 2 * margin
                in_run = True
            continue
        if previous is not None and not in_run and not previous.space and not glyph.space:
            gap = glyph.x - (previous.x + previous.advance)
            if gap > WORD_GAP_EMS * max(previous.size, glyph.size):
                pen += WORD_SPACE_EMS * glyph.size
        if in_run:
            glyph.anchor = True
        in_run = False
        glyph.new_x = pen
        pen += glyph.advance
        previous = glyph
    return boxes


def _fmt(value: float) -> str:
    text = f"{value:.8f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _numbers(*values: float) -> list[object]:
    # Decimals are written as they read, so the content says exactly what _fmt wrote.
    return [Decimal(_fmt(v)) for v in values]


def _replacement(show: _Show) -> list[tuple[list[object], pikepdf.Operator]]:
    """The operators that show what is kept of a text-showing operator whose line was set
    again: each at an absolute place, with no character or word spacing."""
    out: list[tuple[list[object], pikepdf.Operator]] = []
    state = show.state
    tm = show.tm
    matrix = _mul(tm, show.ctm)
    kept = [g for g in show.glyphs if not g.covered]
    scale = state.size * state.scale
    out.append((_numbers(0), pikepdf.Operator("Tc")))
    out.append((_numbers(0), pikepdf.Operator("Tw")))
    if not kept:
        return out
    if scale <= 0 or matrix[0] <= 0:
        raise _Burn("turned-text")

    def text_x(glyph: _Glyph) -> float:
        user = glyph.new_x if glyph.new_x is not None else glyph.x
        return (user - matrix[4]) / matrix[0]

    items: list[object] = []
    run = bytearray()
    position = 0.0
    for index, glyph in enumerate(kept):
        if index == 0 or glyph.anchor:
            if index:
                if run:
                    items.append(pikepdf.String(bytes(run)))
                    run = bytearray()
                out.append(([pikepdf.Array(items)], pikepdf.Operator("TJ")))
                items = []
            position = text_x(glyph)
            out.append((_numbers(*_mul((1.0, 0.0, 0.0, 1.0, position, 0.0), tm)),
                        pikepdf.Operator("Tm")))
        else:
            target = text_x(glyph)
            adjust = -(target - position) * 1000.0 / scale
            if abs(adjust) > 1e-4:
                if run:
                    items.append(pikepdf.String(bytes(run)))
                    run = bytearray()
                items += _numbers(adjust)
            position = target
        run += glyph.code
        position += glyph.width * scale
    if run:
        items.append(pikepdf.String(bytes(run)))
    out.append(([pikepdf.Array(items)], pikepdf.Operator("TJ")))
    return out


_POSITIONING = frozenset({"Td", "TD", "Tm", "T*"})
_TJ = pikepdf.Operator("TJ")


def _rewritten_operators(reading: _Stream, touched: set[int], shown: _Shown) -> list[object]:
    """The page's operators with the lines that held a box set again; the ones of them that
    show text or choose a font are added to shown, in order (see _WrittenStreams).

    In every text object that shows a touched line, each text-showing operator is placed
    absolutely (relative moves, whose numbers came from the original layout, are dropped), and
    a spacing operator (Tc, Tw) whose value only touched lines used is written as 0: the
    original justification of a line that held a box must not stay in the content.
    """
    blocks = {show.block for index, show in reading.shows.items() if index in touched}
    users: dict[int, list[int]] = {}
    for index, show in reading.shows.items():
        for setter in set(show.state.spacing_setters):
            users.setdefault(setter, []).append(index)
    private = {setter for setter, shows in users.items()
               if all(index in touched for index in shows)} - reading.form_setters
    out: list[object] = []
    block = -1
    for index, (instruction, operator) in enumerate(zip(reading.ops, reading.names,
                                                          strict=True)):
        if operator == "BT":
            block = index
        elif operator == "ET":
            block = -1
        rewritten = block in blocks
        if operator in ("Tc", "Tw") and index in private:
            out.append((_numbers(0), pikepdf.Operator(operator)))
            continue
        if rewritten and operator in _POSITIONING:
            if operator == "TD":
                operands = list(instruction.operands)  # type: ignore[attr-defined]
                if len(operands) == 2:
                    out.append((_numbers(-_number(operands[1])), pikepdf.Operator("TL")))
            continue
        found = reading.shows.get(index) if rewritten else None
        if found is None:
            out.append(instruction)
            if operator in _SHOWING:
                shown.append((operator, instruction.operands))  # type: ignore[attr-defined]
            continue
        show = found
        operands = list(instruction.operands)  # type: ignore[attr-defined]
        if operator == '"' and len(operands) == 3:
            spacing = 0.0 if index in private else None
            out.append(([operands[0]] if spacing is None else _numbers(0),
                        pikepdf.Operator("Tw")))
            out.append(([operands[1]] if spacing is None else _numbers(0),
                        pikepdf.Operator("Tc")))
        if index in touched:
            replacement = _replacement(show)
            out += replacement
            shown += [("TJ", operands) for operands, name in replacement if name == _TJ]
            # The spacing the following text expects (0 where only touched lines used it).
            tc_setter, tw_setter = show.state.spacing_setters
            out.append((_numbers(0 if tc_setter in private else show.state.char_spacing),
                        pikepdf.Operator("Tc")))
            out.append((_numbers(0 if tw_setter in private else show.state.word_spacing),
                        pikepdf.Operator("Tw")))
        else:
            out.append((_numbers(*show.tm), pikepdf.Operator("Tm")))
            text = operands[-1] if operands else pikepdf.String(b"")
            name = "TJ" if isinstance(text, pikepdf.Array) else "Tj"
            out.append(([text], pikepdf.Operator(name)))
            shown.append((name, [text]))
    return out


#: Runs of characters at most this long are looked at one by one.
_LETTER_RUN = 24


def _letters_under(page: pdfium.PdfPage, rects: Sequence[Rect], reach: float
                   ) -> list[tuple[float, float, str]]:
    """The letters pdfium reads inside the boxes, with their middles (user space).

    Text under a box may come from anywhere in the content, so the whole page is searched:
    runs of characters whose areas (pdfium's text rectangles) all lie further than reach above
    or below every box are passed over whole; short runs, and runs with no area at all, are
    looked at letter by letter, every letter's box measured (one call to pdfium, cheaper than
    asking first where the letter starts). A letter with no area of its own (a zero-size or
    blank glyph) inside a run passed over is not looked at. This is the costliest part of
    keeping the text, hence its shape."""
    textpage = page.get_textpage()
    found: list[tuple[float, float, str]] = []
    lowest = min(r[1] for r in rects)
    highest = max(r[3] for r in rects)
    low, high = lowest - reach, highest + reach
    left, top, right, bottom = (ctypes.c_double() for _ in range(4))
    corners = (ctypes.byref(left), ctypes.byref(top), ctypes.byref(right), ctypes.byref(bottom))
    box = pdfium_c.FS_RECTF()
    box_ref = ctypes.byref(box)

    def far(start: int, count: int) -> bool:
        """Whether every character of the run that pdfium gives an area lies outside the
        boxes' reach (a run where none has one is looked at letter by letter)."""
        areas = pdfium_c.FPDFText_CountRects(textpage, start, count)
        if areas <= 0:
            return False
        for area in range(areas):
            if not pdfium_c.FPDFText_GetRect(textpage, area, *corners):
                return False
            if min(top.value, bottom.value) <= high and max(top.value, bottom.value) >= low:
                return False
        return True

    loose_box = pdfium_c.FPDFText_GetLooseCharBox  # looked up once: called for every letter

    def letters(start: int, count: int) -> None:
        for index in range(start, start + count):
            if not loose_box(textpage, index, box_ref):
                continue
            y = (box.bottom + box.top) / 2
            if not lowest <= y <= highest:
                continue  # below or above every box (most letters looked at)
            x = (box.left + box.right) / 2
            for r in rects:
                if r[0] <= x <= r[2] and r[1] <= y <= r[3]:
                    break
            else:
                continue
            code = pdfium_c.FPDFText_GetUnicode(textpage, index)
            letter = chr(code) if 0 < code < 0x110000 else ""
            if pdfium_c.FPDFText_IsGenerated(textpage, index) or not letter.strip():
                continue
            found.append((x, y, letter))

    try:
        runs = [(0, pdfium_c.FPDFText_CountChars(textpage))]
        while runs:
            start, count = runs.pop()
            if count <= _LETTER_RUN:
                letters(start, count)
            elif not far(start, count):
                half = count // 2
                runs += [(start + half, count - half), (start, half)]
    finally:
        textpage.close()
    return found


def _check_against_text_layer(letters: Sequence[tuple[float, float, str]],
                              glyphs: Sequence[_Glyph], alternates: bool) -> None:
    """Every letter pdfium reads under a box must be a glyph papka removes: one at that place
    that reads as that letter (through the font's ToUnicode map, where it has one; by place
    only where the page has alternate texts, which pdfium reads in place of the glyphs')."""
    # Each removed glyph's place, widened by half a point, and what it reads as.
    covered = [(g.x - 0.5, g.y - 0.3 * g.size - 0.5, g.x + max(g.advance, 1e-3) + 0.5,
                g.y + g.size + 0.5, None if g.text is None or alternates else _folded(g.text))
               for g in glyphs if g.covered]

    def matches(index: int, x: float, y: float, folded: str) -> bool:
        x0, y0, x1, y1, text = covered[index]
        return x0 <= x <= x1 and y0 <= y <= y1 and (text is None or not folded or
                                                     folded in text)

    # pdfium gives the letters mostly in the order the glyphs were shown, so the glyphs are
    # tried from the one that matched the last letter on, then from the first (any glyph
    # that matches will do).
    hint = 0
    every = len(covered)
    for x, y, letter in letters:
        folded = _folded(letter)
        found = next((index for index in chain(range(hint, every), range(hint))
                      if matches(index, x, y, folded)), None)
        if found is None:
            raise _Burn("unmatched-text")
        hint = found


def _folded(text: str) -> str:
    """Text as compared with what pdfium reads: NFKC, case folded, ё as е, no spaces or soft
    hyphens."""
    return _folded_character(text) if len(text) == 1 else _fold(text)


@functools.lru_cache(maxsize=1024)
def _folded_character(character: str) -> str:
    # Only single characters are remembered, so no piece of a document's text stays cached.
    return _fold(character)


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    return "".join(ch for ch in text if not ch.isspace() and ch != "\u00ad")


def _tighten(boxes: Sequence[Box], rects: Sequence[Rect], glyphs: Sequence[_Glyph]) -> None:
    """A detected box's width was rounded up to the plan's grid, so it may reach into the next
    word by an amount that depends on the hidden text's width: which words survive would then
    tell that width. The words after the end of the box's text are kept, and only when it is
    certain where that text ends: its glyphs (read through ToUnicode) end with the box's text,
    and a new word, a raised mark or closing punctuation follows them (an OCR misreading
    that drops a last letter keeps the whole box). Boxes without text (the keeper's own)
    cover all they cover."""
    keep: set[int] = set()
    for box, rect in zip(boxes, rects, strict=True):
        inside = [i for i, g in enumerate(glyphs) if g.covered and rect[0] <= g.center[0]
                  <= rect[2] and rect[1] <= g.center[1] <= rect[3]]
        keep.update(inside[:_text_end(box, [glyphs[i] for i in inside]) + 1])
    for index, glyph in enumerate(glyphs):
        glyph.covered = glyph.covered and index in keep


def _text_end(box: Box, inside: Sequence[_Glyph]) -> int:
    """The index of the last glyph of the box's own text among those inside it; the last index
    of all when that cannot be told for certain."""
    every = len(inside) - 1
    target = _folded(box.text) if box.source == "detected" else ""
    if not target or any(g.text is None for g in inside):
        return every
    best_end, best = _longest_run([_folded(g.text or "") for g in inside], target)
    if best_end < 0 or best_end == every or not target.endswith(best):
        return every
    last, following = inside[best_end], inside[best_end + 1]
    gap = following.x - (last.x + last.advance)
    raised = abs(following.y - last.y) > 0.05 * last.size or abs(
        following.size - last.size) > 0.05 * last.size  # a footnote mark, not a last letter
    # Punctuation that closes a word (not a dash: a double name goes on after one).
    mark = (following.text or "").strip()
    closes = bool(mark) and all(c in _CLOSING_PUNCTUATION for c in mark)
    if following.space or raised or closes or gap > WORD_GAP_EMS * max(last.size,
                                                                        following.size):
        return best_end
    return every


def _longest_run(folded: Sequence[str], target: str) -> tuple[int, str]:
    """The longest run of consecutive glyph texts that together read as a part of target,
    ending on a glyph that reads as something: (index of its last glyph, what it reads), or
    (-1, "") when there is none. The first such run when several are as long."""
    best_end, best = -1, ""
    # Every start after the last one reads, up to here (exclusive), an end of what that one
    # read: a part of target, and never longer than the best so far; so it need not be read.
    known = 0
    for start in range(len(folded)):
        first = max(start, known)
        joined = "".join(folded[start:first])
        for end in range(first, len(folded)):
            joined += folded[end]
            if joined not in target:
                known = end
                break
            if folded[end] and len(joined) > len(best):
                best_end, best = end, joined
        else:
            break  # read to the end: no later start reads anything longer
    return best_end, best


#: Marks after which a name or number has ended: "Петровна, проживает", "(в/ч 12345)".
_CLOSING_PUNCTUATION = frozenset(",.;:!?)]}»”…\"'")


def _rewrite_page(document: pikepdf.Pdf, page: pikepdf.Page, boxes: Sequence[Box],
                  layer: pdfium.PdfPage, fonts: dict[_FontKey, _Font | None],
                  written: _WrittenStreams) -> None:
    """Remove what lies under the boxes from one page and set its lines again, or raise _Burn."""
    if any(box.corners is not None for box in boxes):
        raise _Burn("turned-box")
    display = _display(page.obj)
    try:
        ops = pikepdf.parse_content_stream(page)
    except (pikepdf.PdfError, ValueError) as error:
        raise _Burn("content") from error
    reading = _Page()
    resources = page_value(page.obj, "/Resources")
    rects = [display.user_rect(box) for box in boxes]
    _Reader(reading, fonts, [(r[1], r[3]) for r in rects]).run(ops, resources, IDENTITY, 0)
    if reading.unknown_font:
        raise _Burn("unmeasured-font")
    for rect, kind in reading.marks:
        shown = display.rect(rect) if all(math.isfinite(v) for v in rect) else rect
        if not any(_overlaps(shown, box) for box in boxes):
            continue
        if kind == "drawing" and all(math.isfinite(v) for v in shown) and _thin_and_long(
                shown, [box for box in boxes if _overlaps(shown, box)]):
            continue
        raise _Burn(kind)
    for glyph in reading.glyphs:
        x, y = glyph.center
        glyph.covered = any(r[0] <= x <= r[2] and r[1] <= y <= r[3] for r in rects)
        if glyph.covered:
            if glyph.type3:
                raise _Burn("type3-font")
            if not glyph.upright:
                raise _Burn("turned-text")
            if glyph.stream != 0:
                # A form drawn straight from the page, once, is rewritten in a copy of its own.
                drawn = reading.streams[glyph.stream]
                if drawn.depth != 1 or drawn.form is None or reading.draws.get(
                        _font_key(drawn.form), 0) != 1:
                    raise _Burn("form-text")
    reach = math.inf if reading.type3 else 2.0 * reading.largest + 2.0
    _check_against_text_layer(_letters_under(layer, rects, reach), reading.glyphs,
                              reading.alternates)
    _tighten(boxes, rects, reading.glyphs)
    pieces = _segments(reading.glyphs)
    painted: list[_PaintedBox] = []
    touched: dict[int, set[int]] = {}
    for piece in pieces:
        if not any(g.covered for g in piece):
            continue
        if len({g.stream for g in piece}) != 1:
            raise _Burn("form-text")  # one line drawn partly by a form: not set again
        boxes_here = _set_again(piece)
        painted += boxes_here
        touched.setdefault(piece[0].stream, set()).update(g.op for g in piece)
        end = max([g.new_x + g.advance for g in piece if g.new_x is not None]
                  + [b.x + b.width + box_margin(b.height) for b in boxes_here])
        neighbours = [p for p in pieces if p is not piece and abs(p[0].y - piece[0].y) <= 0.05
                      * max(p[0].size, 1e-3) and min(g.x for g in p) > piece[0].x]
        limit = min([display.box[2]] + [min(g.x for g in p) - 0.5 * p[0].size
                                        for p in neighbours])
        if end > limit:
            raise _Burn("line-overflow")
    if not touched:
        return
    for number, ops_touched in touched.items():
        if number:
            _rewrite_form(document, page, reading.streams[number], ops_touched, written)
    rebuilt: list[object] = [([], pikepdf.Operator("q"))]
    showing: _Shown = []
    rebuilt += _rewritten_operators(reading.streams[0], touched.get(0, set()), showing)
    # Close whatever the content left open, so the boxes are drawn in the page's own space.
    depth = 0
    for operator in reading.streams[0].names:
        if operator == "q":
            depth += 1
        elif operator == "Q":
            depth = max(0, depth - 1)
    rebuilt += [([], pikepdf.Operator("Q"))] * (depth + 1)
    rebuilt.append(([], pikepdf.Operator("q")))
    rebuilt.append(([0], pikepdf.Operator("g")))
    for box in painted:
        rebuilt.append((_numbers(box.x, box.y, box.width, box.height), pikepdf.Operator("re")))
        # One path per box, so that each is its own shape for a reader (and the verifier).
        rebuilt.append(([], pikepdf.Operator("f")))
    rebuilt.append(([], pikepdf.Operator("Q")))
    data = pikepdf.unparse_content_stream(rebuilt)  # type: ignore[arg-type]
    written[data] = showing
    page.obj.Contents = document.make_stream(data)


def _rewrite_form(document: pikepdf.Pdf, page: pikepdf.Page, form: _Stream,
                  touched: set[int], written: _WrittenStreams) -> None:
    """Put a rewritten copy of a form in the page's own resources (the original may be drawn
    by other pages too; it is dropped from the copy if nothing draws it any more)."""
    if form.form is None or form.name is None:
        raise _Burn("form-text")
    shown: _Shown = []
    rewritten = _rewritten_operators(form, touched, shown)
    data = pikepdf.unparse_content_stream(rewritten)  # type: ignore[arg-type]
    written[data] = shown
    copy = pikepdf.Stream(document, data)
    for key in list(form.form.stream_dict.keys()):
        if str(key) not in ("/Length", "/Filter", "/DecodeParms"):
            copy[key] = form.form.stream_dict[key]
    resources = page_value(page.obj, "/Resources")
    if not isinstance(resources, pikepdf.Dictionary):
        raise _Burn("form-text")
    own = pikepdf.Dictionary(dict(resources.items()))
    xobjects = own.get("/XObject")
    if not isinstance(xobjects, pikepdf.Dictionary) or form.name not in xobjects:
        raise _Burn("form-text")
    own.XObject = pikepdf.Dictionary(dict(xobjects.items()))
    own.XObject[form.name] = document.make_indirect(copy)
    page.obj.Resources = own


# --- the whole document --------------------------------------------------------------------

#: Page keys kept in the copy: what the page shows and nothing else.
_PAGE_KEYS = frozenset({"/Type", "/Parent", "/Resources", "/Contents", "/MediaBox", "/CropBox",
                        "/Rotate", "/UserUnit", "/Group"})
#: Marked-content properties that carry text of their own.
_TEXT_PROPERTIES = ("/ActualText", "/Alt", "/E")


def _strip_properties(document: pikepdf.Pdf) -> None:
    """Drop alternate and replacement texts from every dictionary that survived the copy
    (named property lists of marked content), and the XMP and piece info that pictures, forms
    and fonts may carry."""
    for obj in document.objects:
        if isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
            for key in ("/Metadata", "/PieceInfo"):
                if key in obj:
                    del obj[key]
        if isinstance(obj, pikepdf.Dictionary):
            for key in _TEXT_PROPERTIES:
                if (key in ("/ActualText", "/Alt") or "/MCID" in obj) and key in obj and (
                        not isinstance(obj, pikepdf.Stream)):
                    del obj[key]


def _strip_marked_content(document: pikepdf.Pdf) -> None:
    """Alternate texts (/ActualText, /Alt, /E) in BDC property lists are removed."""
    for page in document.pages:
        _strip_stream_properties(document, page.obj, page)
    for obj in list(document.objects):
        if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == pikepdf.Name.Form:
            _strip_stream_properties(document, obj, obj)


def _marks_properties(holder: pikepdf.Object) -> bool:
    """Whether a content stream (or a page's streams) may hold a property list at all: the
    operators that take one are written as they are, so a stream without them is skipped."""
    streams = holder.get("/Contents") if not isinstance(holder, pikepdf.Stream) else holder
    parts = list(streams) if isinstance(streams, pikepdf.Array) else [streams]
    try:
        data = [part.read_bytes() for part in parts if isinstance(part, pikepdf.Stream)]
    except pikepdf.PdfError:
        return True  # let the parser decide
    return any(b"BDC" in part or b"DP" in part for part in data)


def _strip_stream_properties(document: pikepdf.Pdf, holder: pikepdf.Object,
                             source: object) -> None:
    if not _marks_properties(holder):
        return
    try:
        ops = pikepdf.parse_content_stream(source)  # type: ignore[arg-type]
    except (pikepdf.PdfError, ValueError):
        return  # such a page is burned or fails verification
    if len(ops) > MAX_OPERATORS:
        return  # an alternate text left here is still searched by verification
    changed = False
    for instruction in ops:
        if isinstance(instruction, pikepdf.ContentStreamInlineImage):
            continue
        if str(instruction.operator) in ("BDC", "DP") and len(instruction.operands) == 2:
            properties = instruction.operands[1]
            if isinstance(properties, pikepdf.Dictionary):
                for key in _TEXT_PROPERTIES:
                    if key in properties:
                        del properties[key]
                        changed = True
    if changed:
        data = pikepdf.unparse_content_stream(ops)
        if isinstance(holder, pikepdf.Stream):
            holder.write(data)
        else:
            holder.Contents = document.make_stream(data)


def _clean_page(page: pikepdf.Page) -> None:
    for key in ("/Resources", "/MediaBox", "/CropBox", "/Rotate"):
        value = page_value(page.obj, key)
        if value is not None and key not in page.obj:
            page.obj[key] = value
    for key in list(page.obj.keys()):
        if str(key) not in _PAGE_KEYS:
            del page.obj[key]


class _Unsure(Exception):
    """Which codes a font shows cannot be told for certain; its maps are left as they are."""


#: The operators that show text, choose its font, or draw a form or a graphics state (which
#: may choose one): all that tells which codes a font shows.
_SHOWING = frozenset({"Tf", "Tj", "TJ", "'", '"', "Do", "gs"})
_SHOWING_OPERATORS = " ".join(sorted(_SHOWING))

#: Each single-byte code as bytes, looked up rather than sliced for every glyph shown.
_ONE_BYTE = [bytes((value,)) for value in range(256)]


def _font_key(font: pikepdf.Object) -> tuple[int, int]:
    return font.objgen if font.is_indirect else (-1, id(font))


def _read_showing(source: object, written: _WrittenStreams) -> _Shown:
    """What _collect_codes reads of a page's content or a form: taken from what papka wrote
    when the stream holds exactly those bytes, else parsed (and only those operators)."""
    contents = source.obj.get("/Contents") if isinstance(source, pikepdf.Page) else source
    if isinstance(contents, pikepdf.Stream) and written:
        try:
            known = written.get(contents.read_bytes())
        except pikepdf.PdfError:
            known = None
        if known is not None:
            return known
    try:
        ops = pikepdf.parse_content_stream(source, _SHOWING_OPERATORS)  # type: ignore[arg-type]
    except (pikepdf.PdfError, ValueError) as error:
        raise _Unsure() from error
    if len(ops) > MAX_OPERATORS:
        raise _Unsure()
    return [(str(instruction.operator), cast("Sequence[object]", instruction.operands))
            for instruction in ops]


def _chosen_font(table: object, name: object,
                 fonts: dict[tuple[int, int], pikepdf.Dictionary],
                 used: dict[tuple[int, int], set[bytes]], unsure: set[tuple[int, int]]
                 ) -> tuple[tuple[int, int], bool] | None:
    """The font a Tf chooses (its key, whether its codes are two bytes long), now listed in
    fonts and used (and in unsure when its codes cannot be told), or None."""
    font = table.get(name) if isinstance(table, pikepdf.Dictionary) and (
        isinstance(name, pikepdf.Name)) else None
    if not isinstance(font, pikepdf.Dictionary):
        return None
    key = _font_key(font)
    fonts[key] = font
    used.setdefault(key, set())
    subtype = font.get("/Subtype")
    two_byte = subtype == pikepdf.Name.Type0
    if subtype == pikepdf.Name.Type3 or (two_byte and font.get("/Encoding") !=
                                         pikepdf.Name("/Identity-H")):
        unsure.add(key)
    return key, two_byte


def _collect_codes(source: object, resources: object, used: dict[tuple[int, int], set[bytes]],
                   fonts: dict[tuple[int, int], pikepdf.Dictionary], unsure: set[tuple[int, int]],
                   seen: set[tuple[int, int]], written: _WrittenStreams,
                   depth: int = 0) -> None:
    """Add the codes every font shows in one content stream, and in the forms and patterns it
    draws, to used."""
    if depth > MAX_FORM_DEPTH:
        raise _Unsure()
    shown = _read_showing(source, written)
    table = resources.get("/Font") if isinstance(resources, pikepdf.Dictionary) else None
    two_byte = False
    current: tuple[int, int] | None = None
    # What each font name of this stream's resources chose: the font's key and whether its
    # codes are two bytes long (looked up once per name; the resources do not change).
    chosen: dict[str, tuple[tuple[int, int], bool] | None] = {}
    # The bytes one-byte fonts show, gathered and then added to used once (set by set was
    # most of the work on a long document).
    shown_bytes: dict[tuple[int, int], bytearray] = {}
    for operator, operands in shown:
        if operator == "Tf" and operands:
            name = operands[0]
            label = str(name) if isinstance(name, pikepdf.Name) else None
            if label is None or label not in chosen:
                found = _chosen_font(table, name, fonts, used, unsure)
                if label is not None:
                    chosen[label] = found
            else:
                found = chosen[label]
            current, two_byte = found if found is not None else (None, two_byte)
        elif operator in ("Tj", "TJ", "'", '"') and operands:
            if current is None:
                raise _Unsure()
            text = operands[-1]
            items = list(text) if isinstance(text, pikepdf.Array) else [text]
            for item in items:
                if isinstance(item, pikepdf.String):
                    data = bytes(item)
                    if two_byte:
                        used[current].update(data[i:i + 2] for i in range(0, len(data), 2))
                    elif current in shown_bytes:
                        shown_bytes[current] += data
                    else:
                        shown_bytes[current] = bytearray(data)
        elif operator == "Do" and operands and isinstance(resources, pikepdf.Dictionary):
            xobjects = resources.get("/XObject")
            form = xobjects.get(operands[0]) if isinstance(xobjects, pikepdf.Dictionary) and (
                isinstance(operands[0], pikepdf.Name)) else None
            if isinstance(form, pikepdf.Stream) and form.get("/Subtype") == pikepdf.Name.Form:
                # A form without resources of its own uses its caller's, so it is read again
                # for each caller.
                key = _font_key(form) if "/Resources" in form else (-2, id(form) ^ id(resources))
                if key in seen:
                    continue
                seen.add(key)
                _collect_codes(form, form.get("/Resources", resources), used, fonts, unsure,
                               seen, written, depth + 1)
        elif operator == "gs":
            raise _Unsure()  # a graphics state may set a font papka does not follow here
    for key, gathered in shown_bytes.items():
        used[key].update(map(_ONE_BYTE.__getitem__, set(gathered)))
    if isinstance(resources, pikepdf.Dictionary):
        patterns = resources.get("/Pattern")
        if isinstance(patterns, pikepdf.Dictionary):
            for name in list(patterns.keys()):
                pattern = patterns.get(name)
                if isinstance(pattern, pikepdf.Stream):
                    _collect_codes(pattern, pattern.get("/Resources"), used, fonts, unsure,
                                   seen, written, depth + 1)


def _unicode_cmap(entries: dict[bytes, str], two_byte: bool) -> bytes:
    lines = ["/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
             "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
             "/CMapName /Adobe-Identity-UCS def", "/CMapType 2 def",
             "1 begincodespacerange", "<0000> <FFFF>" if two_byte else "<00> <FF>",
             "endcodespacerange"]
    ordered = sorted(entries.items())
    for start in range(0, len(ordered), 100):
        chunk = ordered[start:start + 100]
        lines.append(f"{len(chunk)} beginbfchar")
        lines += [f"<{code.hex()}> <{text.encode('utf-16-be').hex()}>" for code, text in chunk]
        lines.append("endbfchar")
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines).encode("ascii")


#: Where a font's ToUnicode map or encoding lives: its own object, or (written straight into
#: the font) the font's object and the key.
_MapPlace = tuple[int, int] | tuple[tuple[int, int], str]


def _map_place(font: pikepdf.Dictionary, slot: str, value: object) -> _MapPlace | None:
    """The key of a font's map in the copy, or None when it cannot be told for certain which
    map it is (one written straight into a font that is itself written straight into the
    resources: such a map is left as it is). A wrapper's id is no key: pikepdf makes a new
    wrapper at every look-up, and a freed one's id is soon another's."""
    if not isinstance(value, (pikepdf.Dictionary, pikepdf.Stream)):
        return None
    if value.is_indirect:
        return value.objgen
    if font.is_indirect:
        return (font.objgen, slot)  # a direct object belongs to the one font holding it
    return None


def _trim_font_maps(document: pikepdf.Pdf, written: _WrittenStreams) -> None:
    """Each font's ToUnicode map (and a simple font's /Differences) keeps only the codes the
    copy still shows, so the letters of removed text do not stay listed there."""
    used: dict[tuple[int, int], set[bytes]] = {}
    fonts: dict[tuple[int, int], pikepdf.Dictionary] = {}
    unsure: set[tuple[int, int]] = set()
    try:
        for page in document.pages:
            _collect_codes(page, page.obj.get("/Resources"), used, fonts, unsure, set(),
                           written)
    except _Unsure:
        return
    # A ToUnicode map or an encoding may be shared by several fonts: each keeps the codes any
    # of them shows, and is left alone if any of them is unsure.
    shared: dict[_MapPlace, set[bytes] | None] = {}
    for key, font in fonts.items():
        for slot in ("/ToUnicode", "/Encoding"):
            value = font.get(slot)
            place = _map_place(font, slot, value)
            if place is not None:
                codes = shared.setdefault(place, set())
                if key in unsure or codes is None:
                    shared[place] = None
                else:
                    codes.update(used[key])
    for font in fonts.values():
        cmap = font.get("/ToUnicode")
        place = _map_place(font, "/ToUnicode", cmap)
        if isinstance(cmap, pikepdf.Stream) and place is not None:
            codes = shared.get(place)
            if codes is not None:
                mapping = _unicode_map(font)
                cmap.write(_unicode_cmap({code: text for code, text in mapping.items()
                                          if code in codes},
                                         font.get("/Subtype") == pikepdf.Name.Type0))
                shared[place] = None  # written once
        encoding = font.get("/Encoding")
        place = _map_place(font, "/Encoding", encoding)
        if not isinstance(encoding, pikepdf.Dictionary) or place is None:
            continue
        codes = shared.get(place)
        old = encoding.get("/Differences")
        if codes is None or not isinstance(old, pikepdf.Array):
            continue
        differences = pikepdf.Array()
        code = 0
        for item in old:
            if isinstance(item, pikepdf.Name):
                shown = 0 <= code < 256 and bytes([code]) in codes
                differences.append(item if shown else pikepdf.Name("/.notdef"))
                code += 1
            else:
                code = int(_number(item))
                differences.append(item)
        encoding.Differences = differences
        shared[place] = None


def _strip_jpeg_metadata(document: pikepdf.Pdf) -> None:
    """Pictures kept on pages lose their EXIF (GPS, camera, thumbnail), XMP and comments."""
    from papka.formats.sanitize import sanitize_jpeg

    for obj in document.objects:
        if not (isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == pikepdf.Name.Image
                and obj.get("/Filter") == pikepdf.Name.DCTDecode):
            continue
        raw = obj.read_raw_bytes()
        try:
            clean, removed = sanitize_jpeg(raw)
        except limits.HostileInputError:
            continue  # left as it is: verification reads it and refuses what it must
        if removed:
            obj.write(clean, filter=pikepdf.Name.DCTDecode)


def _rewrite_pages(source: pikepdf.Pdf, layers: pdfium.PdfDocument, plan: RedactionPlan,
                   fonts: dict[_FontKey, _Font | None], burn_all: str | None,
                   written: _WrittenStreams) -> dict[int, str]:
    """Rewrite every page with boxes; return the pages to burn instead, with the reason."""
    burned: dict[int, str] = {}
    dropped = plan.dropped_pages()
    for index, page in enumerate(source.pages):
        if index in dropped or index >= len(plan.pages) or not plan.pages[index].boxes:
            continue
        sheet = plan.pages[index]
        if burn_all is not None:
            burned[index] = burn_all
            continue
        if any(b.x0 <= 0.5 and b.y0 <= 0.5 and b.x1 >= sheet.width - 0.5 and
               b.y1 >= sheet.height - 0.5 for b in sheet.boxes):
            burned[index] = "whole-page"
            continue
        layer = None
        try:
            layer = layers[index]
            _rewrite_page(source, page, sheet.boxes, layer, fonts, written)
        except _Burn as reason:
            burned[index] = reason.reason
        except (pikepdf.PdfError, pdfium.PdfiumError, ValueError, TypeError, KeyError,
                IndexError, AttributeError, RecursionError, ZeroDivisionError, OverflowError):
            burned[index] = "content"
        finally:
            if layer is not None:
                layer.close()
    return burned


@dataclass(frozen=True)
class KeptText:
    """A PDF with text kept, and the pages (from 0, of the original) burned instead, why."""

    data: bytes = field(repr=False)
    burned: dict[int, str]


def keep_text(data: bytes, plan: RedactionPlan, *, dpi: int = 200, ocr_layer: bool = False,
              burn_all: str | None = None) -> KeptText:
    """Remove the plan's boxes from a born-digital PDF, keeping the rest of its text.

    Pages with boxes that papka cannot rewrite safely are burned (reason in KeptText.burned);
    burn_all burns every page with boxes for that reason. Not yet verified.
    """
    from papka.formats.burn import burned_page

    pdf.check_pdf(data)
    dropped = plan.dropped_pages()
    burned: dict[int, str] = {}
    try:
        source = pikepdf.open(io.BytesIO(data))
    except pikepdf.PdfError as error:
        raise limits.DamagedPdfError() from error
    with source:
        # Appearances of annotations become part of the page (then checked against the boxes
        # like anything else); the annotations themselves are dropped below.
        try:
            source.flatten_annotations("print")
        except pikepdf.PdfError:
            # Annotations papka cannot draw into the page: every page with boxes is burned
            # (burning draws them with pdfium); the annotations are dropped from the rest.
            burn_all = burn_all or "form-text"
        fonts: dict[_FontKey, _Font | None] = {}
        written: _WrittenStreams = {}
        try:
            layers = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as error:
            raise limits.DamagedPdfError() from error
        try:
            burned.update(_rewrite_pages(source, layers, plan, fonts, burn_all, written))
        finally:
            layers.close()
        _strip_marked_content(source)
        out = pikepdf.Pdf.new()
        pictures = {index: burned_page(data, plan, index, dpi, ocr_layer) for index in burned}
        for index, page in enumerate(source.pages):
            if index in dropped:
                continue
            if index in pictures:
                with pikepdf.open(io.BytesIO(pictures[index])) as single:
                    out.pages.append(single.pages[0])
                continue
            _clean_page(page)
            out.pages.append(page)
        properties = source.Root.get("/OCProperties")
        if isinstance(properties, pikepdf.Dictionary):
            if not properties.is_indirect:
                properties = source.make_indirect(properties)
            out.Root.OCProperties = out.copy_foreign(properties)
    _strip_properties(out)
    _strip_jpeg_metadata(out)
    out.remove_unreferenced_resources()
    _trim_font_maps(out, written)
    if "/Info" in out.trailer:
        del out.trailer["/Info"]
    buffer = io.BytesIO()
    out.save(buffer, deterministic_id=True, compress_streams=True,
             object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return KeptText(buffer.getvalue(), burned)
