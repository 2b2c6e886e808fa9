"""A searchable text layer laid over a verified burned copy, from the words its check read.

The verifier's OCR channel reads every page of a burned copy (papka.formats.verify.pages);
the words of the view that read best on each page, found free of every secret, are written
here as invisible text (rendering mode 3) over the page, each word stretched along its own
baseline (turned with a sideways page), so that a reader can search, select and copy them.
Nothing of the page is touched: the pictures and the page's content stream are kept as they
are, the words go in one content stream added after it, with a font of their own.
papka.formats.verify.same_pages proves that from the two files, and the words' text is then
checked again by every text channel of the verifier (docs/redaction.md, "One reading per
page").

The font is the one Tesseract's text-only PDF uses: a CID font whose every code draws the one
empty glyph of a 572-byte font program (papka.formats.fonts.GLYPHLESS), with one advance for
every character and a ToUnicode map from each character's UTF-16 code. The program is
embedded although invisible text needs no glyphs: without one, pdfium finds no characters in
a word that runs up or down the page (a sideways page read upright).
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

import pikepdf

from papka.formats import fonts
from papka.formats.verify.pages import ReadWord

__all__ = ["FONT_NAME", "add_text_layer"]

#: The font's name in each page's resources.
FONT_NAME = "/PapkaText"
#: Every character advances half its size (the font has no glyphs to measure).
_ADVANCE = 500
_TO_UNICODE = b"""/CIDInit /ProcSet findresource begin
12 dict begin
begincmap
/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def
/CMapName /Adobe-Identity-UCS def
/CMapType 2 def
1 begincodespacerange
<0000> <FFFF>
endcodespacerange
1 beginbfrange
<0000> <FFFF> <0000>
endbfrange
endcmap
CMapName currentdict /CMap defineresource pop
end
end
"""


def _font(document: pikepdf.Pdf) -> pikepdf.Object:
    descriptor = pikepdf.Dictionary(
        Type=pikepdf.Name.FontDescriptor, FontName=pikepdf.Name.GlyphLessFont, Flags=5,
        FontBBox=[0, 0, _ADVANCE, 1000], ItalicAngle=0, Ascent=1000, Descent=0,
        CapHeight=1000, StemV=80,
        FontFile2=document.make_stream(fonts.GLYPHLESS.read_bytes()))
    descendant = pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.CIDFontType2,
        BaseFont=pikepdf.Name.GlyphLessFont,
        CIDSystemInfo=pikepdf.Dictionary(Registry=pikepdf.String("Adobe"),
                                         Ordering=pikepdf.String("Identity"), Supplement=0),
        FontDescriptor=document.make_indirect(descriptor), DW=_ADVANCE,
        # Every code to glyph 1, the font's one empty glyph.
        CIDToGIDMap=document.make_stream(b"\x00\x01" * 65536))
    return document.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type0, BaseFont=pikepdf.Name.GlyphLessFont,
        Encoding=pikepdf.Name("/Identity-H"), DescendantFonts=[document.make_indirect(descendant)],
        ToUnicode=document.make_stream(_TO_UNICODE)))


def _codes(text: str) -> bytes:
    """The text as the font's two-byte codes (UTF-16 code units of the characters in the
    Basic Multilingual Plane; other characters, which Tesseract's Russian and English do not
    produce, are left out)."""
    return "".join(ch for ch in text if ord(ch) < 0x10000 and ch.isprintable()).encode(
        "utf-16-be")


def _number(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".") or "0"


def page_drawing(words: Sequence[ReadWord], left: float, top: float) -> bytes:
    """The content stream that writes the words invisibly, each along its baseline.

    Words are in the page's units from its top left corner, y down (as the verifier places
    them); PDF space has y up, from the page's (left, top) corner down."""
    out = [b"BT", b"3 Tr", FONT_NAME.encode() + b" 1 Tf"]
    for word in words:
        codes = _codes(word.text + " ")
        count = len(codes) // 2
        x0, y0 = left + word.start[0], top - word.start[1]
        x1, y1 = left + word.end[0], top - word.end[1]
        length = math.hypot(x1 - x0, y1 - y0)
        if count <= 1 or length <= 0 or word.height <= 0:
            continue
        ux, uy = (x1 - x0) / length, (y1 - y0) / length
        # Text space: x along the baseline, stretched so the word's characters (and the space
        # after it) span the word; y up from the baseline by the word's height.
        stretch = length / (count - 1) * 1000 / _ADVANCE
        matrix = (stretch * ux, stretch * uy, -word.height * uy, word.height * ux, x0, y0)
        out.append(" ".join(_number(v) for v in matrix).encode() + b" Tm <"
                   + codes.hex().upper().encode() + b"> Tj")
    out.append(b"ET")
    return b"\n".join(out)


def add_text_layer(data: bytes, pages: Sequence[Sequence[ReadWord]]) -> bytes:
    """The PDF with each page's words laid over it as invisible text; pages with no words
    are left without a layer. Everything else is kept as it is (papka.formats.verify's
    same_pages check holds the result to that)."""
    with pikepdf.open(io.BytesIO(data)) as document:
        if len(pages) != len(document.pages):
            raise ValueError("one list of words is needed for every page")
        font: pikepdf.Object | None = None
        for page, words in zip(document.pages, pages, strict=True):
            if not words:
                continue
            if font is None:
                font = _font(document)
            resources = page.obj.get("/Resources")
            if not isinstance(resources, pikepdf.Dictionary) or "/Font" in resources or \
                    "/Rotate" in page.obj or "/CropBox" in page.obj:
                raise ValueError("a burned page has its own resources, no fonts, no turn and "
                                 "no crop")
            left, _, _, top = (float(v) for v in page.mediabox)
            drawing = document.make_stream(page_drawing(words, left, top))
            resources["/Font"] = pikepdf.Dictionary({FONT_NAME: font})
            contents = page.obj.get("/Contents")
            streams = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
            page.obj["/Contents"] = pikepdf.Array([*streams, drawing])
        buffer = io.BytesIO()
        # As burning saves (papka.formats.pdf.build_pdf): an /ID from the file's own bytes.
        document.save(buffer, deterministic_id=True, compress_streams=True,
                      object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return buffer.getvalue()
