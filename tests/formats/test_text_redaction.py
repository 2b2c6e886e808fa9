"""Redaction that keeps the text of born-digital PDFs: removal, the width channel, fallbacks."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

import pikepdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from reportlab.pdfgen import canvas

from papka import media
from papka.errors import PapkaError
from papka.formats import plan_redaction, redact_as_planned
from papka.formats.plan import RedactionPlan
from papka.formats.text_redaction import BURN_REASONS, keep_text
from papka.formats.verify import Needles, verify
from papka.formats.verify.gaps import box_margin, box_width
from tests.formats import planted

NAME = planted.NAME
LONG_NAME = "Константинопольская Александра Вячеславовна"
SHORT_NAME = "Ли Ян"
OTHER_NAME = "Шишкина Жанна Вячеславовна"
BEFORE = "Справка выдана гражданке"
AFTER = "о том, что она проходила службу"
FONT = "PlantedSans"  # registered by tests.formats.planted: DejaVu Sans, embedded as subsets


def _plan(data: bytes, *names: str) -> RedactionPlan:
    return plan_redaction(data, media.PDF, preset=None, hide=list(names), ocr=False)


def _kept(data: bytes, *names: str) -> tuple[bytes, dict[int, str]]:
    result = redact_as_planned(data, media.PDF, _plan(data, *names), ocr=False, keep_text=True)
    return result.data, result.burned_pages


def _kept_exactly(data: bytes, name: str) -> bytes:
    """The name boxed by hand, tight around its letters (the planner's boxes are rounded to a
    grid and may cover the next short word, differently for names of different widths)."""
    from papka.formats import pdf

    plan = _plan(data)
    layer = next(pdf.page_texts(data))
    start = layer.text.index(name)
    boxes = [c.box for c in layer.chars[start:start + len(name)] if c.box is not None]
    plan.add_box(0, min(b[0] for b in boxes) - 0.5, min(b[1] for b in boxes),
                 max(b[2] for b in boxes) + 0.5, max(b[3] for b in boxes))
    plan.add_secret(name)
    result = redact_as_planned(data, media.PDF, plan, ocr=False, keep_text=True)
    assert result.burned_pages == {}
    return result.data


def _pdfium_texts(data: bytes) -> list[str]:
    document = pdfium.PdfDocument(data)
    try:
        return [document[i].get_textpage().get_text_range() for i in range(len(document))]
    finally:
        document.close()


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _every_stream_and_string(data: bytes) -> list[bytes]:
    found: list[bytes] = []
    with pikepdf.open(io.BytesIO(data)) as document:
        for obj in document.objects:
            if isinstance(obj, pikepdf.Stream):
                try:
                    found.append(obj.read_bytes())
                except pikepdf.PdfError:  # a picture's samples (Group 4, JPEG): as stored
                    found.append(obj.read_raw_bytes())
                found.append(bytes(obj.stream_dict.unparse()))
            else:
                found.append(bytes(obj.unparse()))
    return found


def _assert_gone(data: bytes, secret: str) -> None:
    needles = Needles([secret])
    assert not needles.in_text(_pdfium_texts(data))
    assert not needles.in_bytes(_every_stream_and_string(data))
    assert not needles.in_bytes([data])
    from pdfminer.high_level import extract_text
    from pdfminer.layout import LAParams

    assert not needles.in_text([extract_text(io.BytesIO(data), laparams=LAParams(all_texts=True))])


# --- documents ------------------------------------------------------------------------------


def _line_pdf(name: str, *, justified: bool = False, kerning: bool = False,
              letter_spaced: bool = False) -> bytes:
    """One page: a line with the name in the middle (justified to a column by word spacing,
    or kerned with TJ), a second line without it, and a line in a Form XObject."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, invariant=1)
    page.setFont(FONT, 11)
    line = f"{BEFORE} {name} {AFTER}"
    text = page.beginText(72, 700)
    text.setFont(FONT, 11)
    if justified:
        # Spread to a column a little wider than the longest name's line, as a justified
        # paragraph would: the spacing then depends on the name's width.
        widest = OTHER_NAME if letter_spaced else LONG_NAME
        column = page.stringWidth(f"{BEFORE} {widest} {AFTER}", FONT, 11) + 10
        natural = page.stringWidth(line, FONT, 11)
        if letter_spaced:  # justified by character spacing (Tc) instead
            text.setCharSpace((column - natural) / (len(line) - 1))
        else:
            text.setWordSpace((column - natural) / line.count(" "))
    text.textLine(line)
    text.setWordSpace(0)
    text.setCharSpace(0)
    text.textLine(planted.KEEP)
    page.drawText(text)
    page.beginForm("footer")
    page.setFont(FONT, 9)
    page.drawString(72, 80, "Подпись и печать")
    page.endForm()
    page.doForm("footer")
    page.showPage()
    page.save()
    return planted.with_pikepdf(buffer.getvalue(), _kern) if kerning else buffer.getvalue()


def _kern(document: pikepdf.Pdf) -> None:
    """The first line shown with Tj becomes a TJ with a kerning step between every glyph."""
    page = document.pages[0]
    instructions = pikepdf.parse_content_stream(page)
    out: list[object] = []
    done = False
    for instruction in instructions:
        if not done and str(instruction.operator) == "Tj":  # type: ignore[union-attr]
            codes = bytes(instruction.operands[0])  # type: ignore[union-attr]
            items: list[object] = []
            for code in codes:
                items += [pikepdf.String(bytes([code])), -15]
            out.append(([pikepdf.Array(items[:-1])], pikepdf.Operator("TJ")))
            done = True
        else:
            out.append(instruction)
    assert done
    page.obj.Contents = document.make_stream(pikepdf.unparse_content_stream(out))


def _positions(data: bytes, page_index: int = 0) -> list[tuple[str, float, float]]:
    """Every character pdfium reads with its loose box's left and right."""
    document = pdfium.PdfDocument(data)
    try:
        textpage = document[page_index].get_textpage()
        found = []
        for index in range(textpage.count_chars()):
            if pdfium_c.FPDFText_IsGenerated(textpage, index):
                continue
            char = chr(pdfium_c.FPDFText_GetUnicode(textpage, index))
            if char.isspace():
                continue
            left, _bottom, right, _top = textpage.get_charbox(index, loose=True)
            found.append((char, left, right))
        return found
    finally:
        document.close()


def _black_boxes(data: bytes) -> list[tuple[float, float, float, float]]:
    document = pdfium.PdfDocument(data)
    try:
        page = document[0]
        return [tuple(obj.get_bounds()) for obj in  # type: ignore[misc]
                page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_PATH,), max_depth=0)]
    finally:
        document.close()


# --- removal --------------------------------------------------------------------------------


def test_the_secret_is_gone_from_every_channel_and_the_rest_stays_text() -> None:
    data = _line_pdf(NAME, kerning=True)
    out, burned = _kept(data, NAME)
    assert burned == {}
    _assert_gone(out, NAME)
    text = _flat(_pdfium_texts(out)[0])
    assert BEFORE in text and planted.KEEP in text and "Подпись и печать" in text
    assert "службу" in text
    # In order: what came before the name still comes before what followed it.
    assert text.index(BEFORE) < text.index("службу") < text.index(planted.KEEP)


def test_the_copy_is_one_revision_with_no_orphan_objects() -> None:
    data = planted.with_pikepdf(_line_pdf(NAME), planted._add_xmp)
    out, _ = _kept(data, NAME)
    assert out.count(b"%%EOF") == 1 and b"/Prev" not in out
    with pikepdf.open(io.BytesIO(out)) as document:
        assert "/Info" not in document.trailer
        assert "/Metadata" not in document.Root
        assert "/StructTreeRoot" not in document.Root
        reachable: set[tuple[int, int]] = set()

        def walk(value: object) -> None:
            if isinstance(value, pikepdf.Object) and value.is_indirect:
                if value.objgen in reachable:
                    return
                reachable.add(value.objgen)
            if isinstance(value, pikepdf.Stream):
                walk(value.stream_dict)
            elif isinstance(value, pikepdf.Dictionary):
                for key in list(value):
                    walk(value.get(key))
            elif isinstance(value, pikepdf.Array):
                for item in value:
                    walk(item)

        walk(document.trailer)
        # Object and cross-reference streams are the file's own structure, not content.
        every = {obj.objgen for obj in document.objects if obj.objgen != (0, 0) and not (
            isinstance(obj, pikepdf.Stream) and obj.get("/Type") in (pikepdf.Name.ObjStm,
                                                                      pikepdf.Name.XRef))}
        assert every <= reachable


def test_tagged_text_loses_its_alternates_and_structure() -> None:
    data = planted.canvas_pdf(planted._actual_text)

    def tag(document: pikepdf.Pdf) -> None:
        element = document.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.StructElem, S=pikepdf.Name.P, Alt=pikepdf.String(NAME),
            ActualText=pikepdf.String(NAME)))
        document.Root.StructTreeRoot = document.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.StructTreeRoot, K=element))
        document.Root.MarkInfo = pikepdf.Dictionary(Marked=True)

    data = planted.with_pikepdf(data, tag)
    # pdfium reads the span's ActualText (the name) in place of what it shows ("Мама"), so
    # the plan boxes those glyphs; the structure tree holds the name as /Alt as well.
    out, burned = _kept(data, NAME)
    assert burned == {}
    _assert_gone(out, NAME)
    with pikepdf.open(io.BytesIO(out)) as document:
        assert "/MarkInfo" not in document.Root
    assert "Справка" in _pdfium_texts(out)[0]


@pytest.mark.parametrize("channel", sorted(planted.pdf_channels()))
def test_every_planted_channel_comes_out_clean_or_burned(channel: str) -> None:
    data = planted.pdf_channels()[channel]
    out, burned = _kept(data, NAME, planted.NAME_LATIN)
    assert verify(out, media.PDF, [NAME, planted.NAME_LATIN], ocr=False, gaps=True).ok
    assert set(burned.values()) <= set(BURN_REASONS)
    if not burned:
        assert planted.KEEP in _pdfium_texts(out)[0]


def test_an_annotation_on_a_page_with_a_box_is_flattened_and_dropped() -> None:
    def note(document: pikepdf.Pdf) -> None:
        planted._add_annotation(document)

    out, burned = _kept(planted.with_pikepdf(_line_pdf(NAME), note), NAME)
    assert burned == {}
    with pikepdf.open(io.BytesIO(out)) as document:
        assert all("/Annots" not in page.obj for page in document.pages)
    _assert_gone(out, NAME)


# --- the width channel ----------------------------------------------------------------------


def _after_box(data: bytes) -> list[tuple[str, float]]:
    """Characters on the name's line from the box on, with their left edge."""
    chars = _positions(data)
    start = next(i for i, c in enumerate(chars) if "".join(x[0] for x in chars[i:i + 5]) ==
                 "отом,")
    return [(c, left) for c, left, _ in chars[start:start + 20]]


@pytest.mark.parametrize("planned", [False, True])
@pytest.mark.parametrize("justified", ["no", "words", "letters"])
def test_the_gap_at_the_box_does_not_depend_on_the_name(justified: str, planned: bool) -> None:
    # planned: the planner's boxes, whose widths are rounded up to a grid and so reach into
    # the next words by an amount that depends on the name; only the name may go.
    options = {"justified": justified != "no", "letter_spaced": justified == "letters"}
    # Letter spacing spreads a line by little (here under 0.1 em a letter): names of nearby
    # widths. Word spacing and plain lines: a two-letter and a forty-letter name.
    names = (NAME, OTHER_NAME) if justified == "letters" else (SHORT_NAME, LONG_NAME)
    if planned:
        short, _ = _kept(_line_pdf(names[0], **options), names[0])
        long, _ = _kept(_line_pdf(names[1], **options), names[1])
    else:
        short = _kept_exactly(_line_pdf(names[0], **options), names[0])
        long = _kept_exactly(_line_pdf(names[1], **options), names[1])
    for out in (short, long):
        assert verify(out, media.PDF, [], ocr=False, gaps=True).ok
    # Every letter on the line (before and after the box) stands in the same place.
    before_short = [c for c in _positions(short) if c[1] < 300][:20]
    before_long = [c for c in _positions(long) if c[1] < 300][:20]
    assert [c[0] for c in before_short] == [c[0] for c in before_long]
    assert all(abs(a[1] - b[1]) <= 0.5 for a, b in zip(before_short, before_long, strict=True))
    after_short, after_long = _after_box(short), _after_box(long)
    assert [c for c, _ in after_short] == [c for c, _ in after_long]
    assert all(abs(a - b) <= 0.5 for (_, a), (_, b) in zip(after_short, after_long, strict=True))
    # The box itself is as wide in both, and the words stand the rule's margin from it.
    boxes_short, boxes_long = _black_boxes(short), _black_boxes(long)
    assert len(boxes_short) == len(boxes_long) == 1
    (left, bottom, right, top), other = boxes_short[0], boxes_long[0]
    assert abs((right - left) - (other[2] - other[0])) <= 0.5
    assert abs((right - left) - box_width(top - bottom)) <= 0.5
    assert abs(after_short[0][1] - (right + box_margin(top - bottom))) <= 0.5


def test_no_spacing_or_move_of_the_original_line_stays_in_the_content() -> None:
    # The justified line's word spacing (set by Tw for that line alone) and the moves that
    # placed it would tell the name's width to anyone reading the raw content.
    data = _line_pdf(LONG_NAME, justified=True)
    with pikepdf.open(io.BytesIO(data)) as document:
        spacing = [float(i.operands[0]) for i in pikepdf.parse_content_stream(document.pages[0])
                   if str(i.operator) == "Tw"]
    assert any(abs(value) > 0.01 for value in spacing)
    out = _kept_exactly(data, LONG_NAME)
    with pikepdf.open(io.BytesIO(out)) as document:
        instructions = pikepdf.parse_content_stream(document.pages[0])
    operators = [str(i.operator) for i in instructions]
    assert all(float(i.operands[0]) == 0 for i in instructions
               if str(i.operator) in ("Tw", "Tc"))
    # Every line of this page's one text object is placed absolutely now.
    assert operators.count("BT") == 2 and not {"Td", "TD", "T*"} & set(operators)


def test_the_original_justified_line_did_leak_the_width() -> None:
    # The check above means something: before redaction the words after the name stand
    # where the name's width puts them.
    short = _line_pdf(SHORT_NAME, justified=True)
    long = _line_pdf(LONG_NAME, justified=True)
    # The words before the name: spread differently, by the name's width.
    assert abs(_after_box_original(short, "выдана") - _after_box_original(long, "выдана")) > 5
    assert abs(_after_box_original(short, "отом,") - _after_box_original(long, "отом,")) > 5


def _after_box_original(data: bytes, word: str) -> float:
    chars = _positions(data)
    text = "".join(c for c, _, _ in chars)
    return chars[text.index(word)][1]


def _gap_pdf(gap_extra: float, text_under: bool = False) -> bytes:
    """A hand-made copy: words, a black box of the rule's width, words; optionally wrong."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, invariant=1)
    page.setFont(FONT, 11)
    height = 1.3 * 11
    margin, width = box_margin(height), box_width(height)
    left = 72 + page.stringWidth("Выдана", FONT, 11) + margin
    page.drawString(72, 700, "Выдана")
    page.drawString(left + width + margin + gap_extra, 700, "справка")
    if text_under:
        page.drawString(left + 5, 700, "Мама")
    page.setFillColorRGB(0, 0, 0)
    page.rect(left, 700 - 0.3 * 11, width, height, fill=1, stroke=0)
    page.showPage()
    page.save()
    return buffer.getvalue()


def test_the_width_check_passes_the_rule_and_fails_a_gap_that_differs() -> None:
    assert verify(_gap_pdf(0.0), media.PDF, [], ocr=False, gaps=True).ok
    assert verify(_gap_pdf(0.3), media.PDF, [], ocr=False, gaps=True).ok
    failed = verify(_gap_pdf(3.0), media.PDF, [], ocr=False, gaps=True)
    assert failed.failures == ["pdf-box-gap"]
    under = verify(_gap_pdf(0.0, text_under=True), media.PDF, [], ocr=False, gaps=True)
    assert "pdf-box-text" in under.failures
    # Without the width channel asked for, a burned copy's checks are unchanged.
    assert verify(_gap_pdf(3.0), media.PDF, [], ocr=False).ok


# --- pages that are burned instead ----------------------------------------------------------


def _two_pages(second: str) -> bytes:
    """Page 1 keeps its text; page 2 carries the name in a way papka cannot rewrite."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, invariant=1)
    page.setFont(FONT, 11)
    page.drawString(72, 700, f"{BEFORE} {NAME} {AFTER}")
    page.showPage()
    page.setFont(FONT, 11)
    page.drawString(72, 760, planted.KEEP)
    if second == "picture":
        picture = Image.new("RGB", (300, 40), (230, 230, 200))
        from reportlab.lib.utils import ImageReader

        page.drawImage(ImageReader(picture), 60, 690, 300, 30)
        page.drawString(72, 700, NAME)
    elif second == "turned":
        page.saveState()
        page.translate(300, 400)
        page.rotate(30)
        page.drawString(0, 0, NAME)
        page.restoreState()
    elif second == "standard-font":
        page.setFont("Helvetica", 11)
        page.drawString(72, 700, planted.NAME_LATIN)
    page.showPage()
    page.save()
    return buffer.getvalue()


@pytest.mark.parametrize(("second", "reason"), [("picture", "picture"),
                                                ("turned", "turned-text"),
                                                ("standard-font", "unmeasured-font")])
def test_a_page_papka_cannot_rewrite_is_burned_and_reported(second: str, reason: str) -> None:
    data = _two_pages(second)
    out, burned = _kept(data, NAME, planted.NAME_LATIN)
    assert burned == {1: reason}
    texts = _pdfium_texts(out)
    assert len(texts) == 2
    assert BEFORE in texts[0]            # page 1 kept its text
    assert planted.KEEP not in texts[1]  # page 2 is pixels now
    _assert_gone(out, NAME)
    _assert_gone(out, planted.NAME_LATIN)


def test_a_line_that_would_run_off_the_page_is_burned() -> None:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, invariant=1)
    page.setFont(FONT, 11)
    # A short secret near the right edge: the fixed-width box is wider than it.
    page.drawString(530, 700, "в/ч 12345")
    page.showPage()
    page.save()
    out, burned = _kept(buffer.getvalue(), "12345")
    assert burned == {0: "line-overflow"}


# --- hostile content ------------------------------------------------------------------------


@pytest.mark.parametrize("content", [
    b"BT /F1 11 Tf 72 700 Td (abc",
    b"BT /Nope 11 Tf 72 700 Td (\xd0\x98) Tj ET",
    b"BT /F1 (x) Tf 72 700 Td (x) Tj ET 1 0 0 (y) 0 0 cm",
    b"q 1e300 0 0 1e300 0 0 cm BT /F1 11 Tf 0 0 Td (x) Tj ET Q",
    b"BT /F1 0 Tf 72 700 Td (x) Tj ET /Loop Do",
])
def test_odd_content_is_burned_or_refused_with_papkas_errors(content: bytes) -> None:
    data = _line_pdf(NAME)

    def spoil(document: pikepdf.Pdf) -> None:
        page = document.pages[0]
        page.contents_add(document.make_stream(content))
        loop = document.make_stream(b"/Loop Do")
        loop.Type = pikepdf.Name.XObject
        loop.Subtype = pikepdf.Name.Form
        loop.BBox = pikepdf.Array([0, 0, 10, 10])
        loop.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Loop=loop))
        page.obj.Resources.XObject = pikepdf.Dictionary(Loop=loop)

    spoiled = planted.with_pikepdf(data, spoil)
    try:
        out, burned = _kept(spoiled, NAME)
    except PapkaError:
        return
    assert set(burned.values()) <= set(BURN_REASONS)
    _assert_gone(out, NAME)


def test_keep_text_alone_returns_what_verification_then_checks() -> None:
    data = _line_pdf(NAME, justified=True)
    plan = _plan(data, NAME)
    kept = keep_text(data, plan)
    assert kept.burned == {}
    assert verify(kept.data, media.PDF, plan.secrets, ocr=False, gaps=True).ok


# --- composite fonts (Type 0, Identity-H), as office suites write them ------------------------


def _type0_pdf(line: str, *, spread: float = 0.0) -> bytes:
    """One line in DejaVu Sans as a Type 0 font (two-byte glyph ids, Identity-H, a /W array and
    a ToUnicode map), each space of the line followed by a TJ step of -spread, as justified
    office text; a second line shows KEEP."""
    from reportlab.pdfbase.ttfonts import TTFontFile

    from papka.formats import fonts

    font_file = TTFontFile(str(fonts.REGULAR))
    chars = sorted(set(line + planted.KEEP))
    glyphs = {char: font_file.charToGlyph[ord(char)] for char in chars}
    widths = {gid: font_file.hmetrics[gid][0] * 1000 / font_file.unitsPerEm
              for gid in glyphs.values()}
    document = pikepdf.new()
    document.add_blank_page(page_size=(595, 842))
    cmap = "".join(f"<{glyphs[c]:04x}> <{ord(c):04x}>\n" for c in chars)
    to_unicode = document.make_stream((
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /U def "
        "1 begincodespacerange <0000> <FFFF> endcodespacerange "
        f"{len(chars)} beginbfchar\n{cmap}endbfchar endcmap CMapName currentdict /CMap "
        "defineresource pop end end").encode())
    program = document.make_stream(fonts.REGULAR.read_bytes())
    descriptor = pikepdf.Dictionary(
        Type=pikepdf.Name.FontDescriptor, FontName=pikepdf.Name("/DejaVuSans"), Flags=32,
        FontBBox=pikepdf.Array([-1021, -463, 1793, 1232]), ItalicAngle=0, Ascent=760,
        Descent=-240, CapHeight=729, StemV=80, FontFile2=program)
    w_array = pikepdf.Array()
    for gid in sorted(widths):
        w_array.extend([gid, pikepdf.Array([widths[gid]])])
    cid_font = pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.CIDFontType2,
        BaseFont=pikepdf.Name("/DejaVuSans"), CIDToGIDMap=pikepdf.Name.Identity,
        CIDSystemInfo=pikepdf.Dictionary(Registry=pikepdf.String("Adobe"),
                                         Ordering=pikepdf.String("Identity"), Supplement=0),
        FontDescriptor=document.make_indirect(descriptor), W=w_array, DW=1000)
    font = document.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type0, BaseFont=pikepdf.Name("/DejaVuSans"),
        Encoding=pikepdf.Name("/Identity-H"), DescendantFonts=pikepdf.Array([cid_font]),
        ToUnicode=to_unicode))

    def shown(text: str, spread: float = 0.0) -> str:
        parts = []
        for word in text.split(" "):
            parts.append("<" + "".join(f"{glyphs[c]:04x}" for c in word) + ">")
        space = f"<{glyphs[' ']:04x}>"
        return f" {space} {-spread:.3f} ".join(parts)

    page = document.pages[0]
    page.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F0=font))
    page.obj.Contents = document.make_stream(
        f"BT /F0 11 Tf 72 700 Td [{shown(line, spread)}] TJ 0 -20 Td [{shown(planted.KEEP)}] TJ "
        "ET"
        .encode())
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_a_type0_font_line_keeps_its_text_and_loses_the_name() -> None:
    data = _type0_pdf(f"{BEFORE} {NAME} {AFTER}", spread=120)
    assert NAME in _pdfium_texts(data)[0]
    out, burned = _kept(data, NAME)
    assert burned == {}
    _assert_gone(out, NAME)
    text = _flat(_pdfium_texts(out)[0])
    assert BEFORE in text and planted.KEEP in text
    assert verify(out, media.PDF, [NAME], ocr=False, gaps=True).ok


def test_type0_justified_lines_give_the_same_gap_for_any_name() -> None:
    placed = []
    for name in (SHORT_NAME, LONG_NAME):
        line = f"{BEFORE} {name} {AFTER}"
        # Justified to one column: the TJ step after each space depends on the name's width.
        natural = _type0_width(line)
        spread = (_type0_width(f"{BEFORE} {LONG_NAME} {AFTER}") + 30 - natural) / line.count(
            " ") * 1000 / 11
        out = _kept_exactly(_type0_pdf(line, spread=spread), name)
        assert verify(out, media.PDF, [name], ocr=False, gaps=True).ok
        placed.append(_positions(out))
    short, long = placed
    assert [c for c, _, _ in short] == [c for c, _, _ in long]
    assert all(abs(a[1] - b[1]) <= 0.5 for a, b in zip(short, long, strict=True))


def _type0_width(text: str) -> float:
    from reportlab.pdfbase.ttfonts import TTFontFile

    from papka.formats import fonts

    font_file = TTFontFile(str(fonts.REGULAR))
    return sum(font_file.hmetrics[font_file.charToGlyph[ord(c)]][0] for c in text) * 11 / (
        font_file.unitsPerEm)


def _mapped_letters(data: bytes) -> set[str]:
    """Every letter the copy's ToUnicode maps name."""
    letters: set[str] = set()
    with pikepdf.open(io.BytesIO(data)) as document:
        for obj in document.objects:
            if isinstance(obj, pikepdf.Dictionary) and "/ToUnicode" in obj:
                cmap = obj.ToUnicode.read_bytes()
                for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
                    for _code, hexed in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>",
                                                   block):
                        letters |= set(bytes.fromhex(hexed.decode()).decode("utf-16-be"))
                for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
                    for low, high, first in re.findall(
                            rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                        start = int(first, 16)
                        letters |= {chr(start + i) for i in range(int(high, 16) - int(low, 16)
                                                                   + 1)}
    return letters


@pytest.mark.parametrize("kind", ["simple", "type0"])
def test_letters_only_the_name_used_leave_the_fonts_maps(kind: str) -> None:
    line = f"{BEFORE} {NAME} {AFTER}"
    data = _line_pdf(NAME) if kind == "simple" else _type0_pdf(line)
    only_in_name = {"И", "М", "я"}
    assert only_in_name <= _mapped_letters(data)
    out, burned = _kept(data, NAME)
    assert burned == {}
    letters = _mapped_letters(out)
    assert not only_in_name & letters
    assert set("Справка") <= letters


# --- page geometry ---------------------------------------------------------------------------


@pytest.mark.parametrize("rotate", [90, 180, 270])
def test_a_turned_page_keeps_its_text_and_the_gap_rule(rotate: int) -> None:
    def turn(document: pikepdf.Pdf) -> None:
        document.pages[0].obj.Rotate = rotate

    data = planted.with_pikepdf(_line_pdf(NAME, justified=True), turn)
    out, burned = _kept(data, NAME)
    assert burned == {}
    _assert_gone(out, NAME)
    # Every word stays (pdfium orders the pieces of a line upside down on a page turned by
    # 180°, so only the words are compared).
    text = _flat(_pdfium_texts(out)[0])
    assert all(word in text for word in (*BEFORE.split()[:-1], "гражданк", *AFTER.split()))
    assert verify(out, media.PDF, [NAME], ocr=False, gaps=True).ok


def test_content_that_leaves_a_state_open_still_gets_its_boxes_in_place() -> None:
    def leave_open(document: pikepdf.Pdf) -> None:
        page = document.pages[0]
        page.contents_add(document.make_stream(b"q 1 0 0 1 200 -300 cm q 0.5 0 0 0.5 0 0 cm"))

    data = planted.with_pikepdf(_line_pdf(NAME), leave_open)
    out, burned = _kept(data, NAME)
    assert burned == {}
    assert verify(out, media.PDF, [NAME], ocr=False, gaps=True).ok
    (left, bottom, right, top), = _black_boxes(out)
    assert 690 < top < 720 and left > 72


# --- any content at all -----------------------------------------------------------------------

_OPERANDS = st.one_of(st.integers(-5000, 5000).map(str), st.sampled_from(
    ["/F1", "/F2+0", "/Nope", "(x)", "<00ff>", "[(a) -250 (b)]", "1e308", "-0", "<<>>", "[]"]))
_OPERATORS = st.sampled_from(
    ["BT", "ET", "Tf", "Td", "TD", "Tm", "T*", "Tj", "TJ", "'", '"', "Tc", "Tw", "Tz", "TL",
     "Ts", "q", "Q", "cm", "re", "f", "Do", "BDC", "EMC", "gs", "sh", "W", "n"])


@given(st.lists(st.tuples(st.lists(_OPERANDS, max_size=6), _OPERATORS), max_size=25))
@settings(max_examples=25, deadline=None)
def test_any_added_content_is_redacted_or_refused_with_papkas_errors(
        instructions: list[tuple[list[str], str]]) -> None:
    content = " ".join(" ".join(operands) + " " + operator
                       for operands, operator in instructions).encode()

    def spoil(document: pikepdf.Pdf) -> None:
        document.pages[0].contents_add(document.make_stream(content))

    try:
        spoiled = planted.with_pikepdf(_BASE_LINE, spoil)
        out, burned = _kept(spoiled, NAME)
    except PapkaError:
        return
    assert set(burned.values()) <= set(BURN_REASONS)
    assert verify(out, media.PDF, [NAME], ocr=False, gaps=True).ok


_BASE_LINE = _line_pdf(NAME)


# --- pages drawn through forms ---------------------------------------------------------------


def _in_a_form(data: bytes, *, copies: int = 1, draws: int = 1) -> bytes:
    """The first page's whole content moved into a Form XObject (as tools that place one PDF's
    page inside another do), drawn draws times on each of copies pages."""
    with pikepdf.open(io.BytesIO(data)) as document:
        page = document.pages[0]
        form = document.make_stream(page.obj.Contents.read_bytes()
                                    if isinstance(page.obj.Contents, pikepdf.Stream)
                                    else b"".join(c.read_bytes() for c in page.obj.Contents))
        form.Type = pikepdf.Name.XObject
        form.Subtype = pikepdf.Name.Form
        form.BBox = page.obj.MediaBox
        form.Resources = page.obj.Resources
        out = pikepdf.new()
        for _ in range(copies):
            sheet = out.add_blank_page(page_size=(float(page.mediabox[2]),
                                                  float(page.mediabox[3])))
            sheet.obj.Resources = pikepdf.Dictionary(
                XObject=pikepdf.Dictionary(Page0=out.copy_foreign(document.make_indirect(form))))
            sheet.obj.Contents = out.make_stream(b" ".join(
                [b"q /Page0 Do Q"] + [b"q 1 0 0 1 0 -400 cm /Page0 Do Q"] * (draws - 1)))
        buffer = io.BytesIO()
        out.save(buffer)
    return buffer.getvalue()


def test_text_inside_a_form_is_removed_from_a_copy_of_the_form_on_each_page() -> None:
    data = _in_a_form(_line_pdf(NAME, justified=True), copies=2)
    out, burned = _kept(data, NAME)
    assert burned == {}
    _assert_gone(out, NAME)
    for text in _pdfium_texts(out):
        assert BEFORE in _flat(text) and planted.KEEP in text
    assert verify(out, media.PDF, [NAME], ocr=False, gaps=True).ok


def test_the_gap_in_a_form_does_not_depend_on_the_name() -> None:
    short, _ = _kept(_in_a_form(_line_pdf(SHORT_NAME, justified=True)), SHORT_NAME)
    long, _ = _kept(_in_a_form(_line_pdf(LONG_NAME, justified=True)), LONG_NAME)
    after_short, after_long = _after_box(short), _after_box(long)
    assert [c for c, _ in after_short] == [c for c, _ in after_long]
    assert all(abs(a - b) <= 0.5 for (_, a), (_, b) in zip(after_short, after_long, strict=True))


def test_a_form_drawn_twice_on_a_page_burns_that_page() -> None:
    data = _in_a_form(_line_pdf(NAME), draws=2)
    out, burned = _kept(data, NAME)
    assert burned == {0: "form-text"}
    _assert_gone(out, NAME)


# --- what else lies on the name's line --------------------------------------------------------


def _marked_line(name: str, *, underline: str | None = None) -> bytes:
    """The name followed by a raised footnote mark; optionally an underline under the name
    ("name") or a rule across the whole line ("rule")."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, invariant=1)
    text = page.beginText(72, 700)
    text.setFont(FONT, 11)
    text.textOut(f"{BEFORE} {name}")
    text.setRise(4)
    text.setFont(FONT, 7)
    text.textOut("1")
    text.setRise(0)
    text.setFont(FONT, 11)
    text.textOut(f" {AFTER}")
    page.drawText(text)
    if underline == "name":
        start = 72 + page.stringWidth(f"{BEFORE} ", FONT, 11)
        page.line(start, 698, start + page.stringWidth(name, FONT, 11), 698)
    elif underline == "rule":
        page.line(60, 698, 560, 698)
    page.showPage()
    page.save()
    return buffer.getvalue()


def test_a_raised_footnote_mark_after_the_name_moves_with_the_line() -> None:
    placed = []
    for name in (SHORT_NAME, LONG_NAME):
        out, burned = _kept(_marked_line(name), name)
        assert burned == {}
        assert verify(out, media.PDF, [name], ocr=False, gaps=True).ok
        chars = _positions(out)
        placed.append(chars[[c[0] for c in chars].index("1"):])
    short, long = placed
    assert [c[0] for c in short] == [c[0] for c in long]
    assert all(abs(a[1] - b[1]) <= 0.5 for a, b in zip(short, long, strict=True))


def test_an_underline_as_long_as_the_name_burns_the_page_and_a_rule_does_not() -> None:
    _out, burned = _kept(_marked_line(NAME, underline="name"), NAME)
    assert burned == {0: "drawing"}
    _out, burned = _kept(_marked_line(NAME, underline="rule"), NAME)
    assert burned == {}


def test_a_page_with_too_many_operators_is_burned(monkeypatch: pytest.MonkeyPatch) -> None:
    from papka.formats import text_redaction

    monkeypatch.setattr(text_redaction, "MAX_OPERATORS", 10)
    out, burned = _kept(_line_pdf(NAME), NAME)
    assert burned == {0: "content"}
    _assert_gone(out, NAME)


def _tex_like(name: str) -> bytes:
    """The name's line as TeX writes it: no space glyphs, each word gap a TJ step, stretched
    so that the line fills one column whatever the name's width."""
    from reportlab.pdfbase import pdfmetrics

    line = f"{BEFORE} {name} {AFTER}"
    words = line.split(" ")
    column = pdfmetrics.stringWidth(f"{BEFORE} {LONG_NAME} {AFTER}", FONT, 11) + 40
    inked = sum(pdfmetrics.stringWidth(word, FONT, 11) for word in words)
    step = (column - inked) / (len(words) - 1) * 1000 / 11

    def change(document: pikepdf.Pdf) -> None:
        page = document.pages[0]
        out: list[object] = []
        done = False
        for instruction in pikepdf.parse_content_stream(page):
            if not done and str(instruction.operator) == "Tj":  # type: ignore[union-attr]
                parts = bytes(instruction.operands[0]).split(b" ")  # type: ignore[union-attr]
                items: list[object] = []
                for part in parts:
                    items += [pikepdf.String(part), -step]
                out.append(([pikepdf.Array(items[:-1])], pikepdf.Operator("TJ")))
                done = True
            else:
                out.append(instruction)
        page.obj.Contents = document.make_stream(pikepdf.unparse_content_stream(out))

    return planted.with_pikepdf(_line_pdf(name), change)


def test_tex_like_word_steps_are_reset_to_one_space() -> None:
    placed = []
    for name in (SHORT_NAME, LONG_NAME):
        data = _tex_like(name)
        assert name.split()[0] in _pdfium_texts(data)[0]
        out = _kept_exactly(data, name)
        assert verify(out, media.PDF, [name], ocr=False, gaps=True).ok
        words = _flat(_pdfium_texts(out)[0]).split()
        assert words[:3] == BEFORE.split()
        placed.append(_after_box(out))
    short, long = placed
    assert [c for c, _ in short] == [c for c, _ in long]
    assert all(abs(a - b) <= 0.5 for (_, a), (_, b) in zip(short, long, strict=True))


# --- documents typeset first -----------------------------------------------------------------


@pytest.mark.parametrize("channel", sorted(planted.docx_channels()))
def test_a_docx_keeps_its_text_in_the_typeset_pdf(channel: str) -> None:
    from papka.formats import redact
    from papka.formats.verify import verify_text

    secrets = [planted.NAME, planted.NAME_LATIN]
    data = planted.docx_channels()[channel]
    redacted = redact(data, media.DOCX, preset=None, hide=secrets, ocr=False, dpi=72,
                      keep_text=True)
    assert redacted.media_type == media.PDF
    assert verify(redacted.data, media.PDF, secrets, ocr=False, gaps=True).ok
    assert redacted.text is not None and verify_text(redacted.text, secrets).ok
    assert redacted.burned_pages == {}
    assert planted.KEEP in _flat(" ".join(_pdfium_texts(redacted.data)))


def test_a_box_whose_text_was_misread_keeps_covering_all_it_covers() -> None:
    # A detected box's text may come from OCR and lack the last letters; the glyphs after it
    # are then not known to be another word, and stay covered.
    from papka.formats import pdf

    data = _line_pdf(NAME)
    plan = _plan(data)
    layer = next(pdf.page_texts(data))
    start = layer.text.index(NAME)
    boxes = [c.box for c in layer.chars[start:start + len(NAME)] if c.box is not None]
    plan.add_box(0, min(b[0] for b in boxes) - 2, min(b[1] for b in boxes) - 2,
                 max(b[2] for b in boxes) + 2, max(b[3] for b in boxes) + 2,
                 category="name", detector="ocr", source="detected", text=NAME[:-2])
    plan.add_secret(NAME)
    result = redact_as_planned(data, media.PDF, plan, ocr=False, keep_text=True)
    words = _flat(_pdfium_texts(result.data)[0]).split()
    assert words[:4] == [*BEFORE.split(), AFTER.split()[0]]


def test_an_annotation_that_shows_the_name_is_drawn_in_and_then_removed_or_burned() -> None:
    def free_text(document: pikepdf.Pdf) -> None:
        appearance = document.make_stream(
            f"BT /Helv 10 Tf 2 4 Td ({planted.NAME_LATIN}) Tj ET".encode())
        appearance.Type = pikepdf.Name.XObject
        appearance.Subtype = pikepdf.Name.Form
        appearance.BBox = pikepdf.Array([0, 0, 200, 16])
        appearance.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(Helv=pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica)))
        note = document.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.FreeText, F=4,
            Rect=pikepdf.Array([72, 500, 272, 516]), Contents=pikepdf.String(planted.NAME_LATIN),
            AP=pikepdf.Dictionary(N=appearance)))
        document.pages[0].obj.Annots = pikepdf.Array([note])

    data = planted.with_pikepdf(_line_pdf(NAME), free_text)
    out, burned = _kept(data, NAME, planted.NAME_LATIN)
    assert verify(out, media.PDF, [NAME, planted.NAME_LATIN], ocr=False, gaps=True).ok
    assert set(burned.values()) <= set(BURN_REASONS)
    _assert_gone(out, planted.NAME_LATIN)


def test_xmp_on_a_picture_or_a_form_does_not_reach_the_copy() -> None:
    def with_metadata(document: pikepdf.Pdf) -> None:
        for obj in document.objects:
            if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == pikepdf.Name.Form:
                obj.Metadata = document.make_stream(planted.xmp_packet(NAME))

    data = planted.with_pikepdf(_line_pdf(NAME), with_metadata)
    out, burned = _kept(data, NAME)
    assert burned == {}
    _assert_gone(out, NAME)
    with pikepdf.open(io.BytesIO(out)) as document:
        assert not any("/Metadata" in obj for obj in document.objects
                       if isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)))


def test_glyph_places_that_disagree_with_pdfium_burn_the_page(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # papka's places for glyphs are checked against pdfium's letters under every box: with
    # widths read wrong (here: two thirds of the true ones) the name's letters are elsewhere.
    from papka.formats import text_redaction

    width, total = text_redaction._Font.width, text_redaction._Font.total_width
    monkeypatch.setattr(text_redaction._Font, "width",
                        lambda self, code: width(self, code) * 2 / 3)
    monkeypatch.setattr(text_redaction._Font, "total_width",
                        lambda self, data: total(self, data) * 2 / 3)
    out, burned = _kept(_line_pdf(NAME), NAME)
    assert burned == {0: "unmatched-text"}
    _assert_gone(out, NAME)


def _comma_pdf(name: str) -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, invariant=1)
    page.setFont(FONT, 11)
    page.drawString(72, 700, f"Мать подозреваемого: {name}, проживает по адресу")
    page.showPage()
    page.save()
    return buffer.getvalue()


def test_a_planned_box_ends_at_the_comma_after_the_name() -> None:
    """The planner's box is rounded up to a grid, so it reaches past a name followed by a
    comma into the next word. The comma closes the name: the next word stays whole, in the
    same place whatever the name's width."""
    after: list[list[tuple[str, float]]] = []
    for name in (SHORT_NAME, LONG_NAME):
        out, burned = _kept(_comma_pdf(name), name)
        assert burned == {}
        _assert_gone(out, name)
        text = _flat(_pdfium_texts(out)[0])
        assert text.endswith(", проживает по адресу"), text
        chars = [(c, left) for c, left, _ in _positions(out)]
        comma = next(i for i, (c, _) in enumerate(chars) if c == ",")
        after.append(chars[comma:])
    assert [c for c, _ in after[0]] == [c for c, _ in after[1]]
    assert all(abs(a - b) <= 0.5 for (_, a), (_, b) in zip(*after, strict=True))


# --- work done once per document -------------------------------------------------------------


def _normalised(shown: Sequence[tuple[str, Sequence[object]]]) -> list[tuple[str, bytes]]:
    return [(name, pikepdf.Array(list(operands)).unparse()) for name, operands in shown]


def _quoted(document: pikepdf.Pdf) -> None:
    """The second line's Tj becomes a " (word and character spacing, next line, show)."""
    page = document.pages[0]
    out: list[object] = []
    shows = 0
    for instruction in pikepdf.parse_content_stream(page):
        if str(instruction.operator) == "Tj":  # type: ignore[union-attr]
            shows += 1
            if shows == 2:
                out.append(([0.5, 0.1, instruction.operands[0]],  # type: ignore[union-attr]
                            pikepdf.Operator('"')))
                continue
        out.append(instruction)
    page.obj.Contents = document.make_stream(pikepdf.unparse_content_stream(out))


_REWRITTEN = {
    "plain": lambda: _line_pdf(NAME),
    "justified": lambda: _line_pdf(NAME, justified=True),
    "letter-spaced": lambda: _line_pdf(NAME, justified=True, letter_spaced=True),
    "kerned": lambda: _line_pdf(NAME, kerning=True),
    "tex": lambda: _tex_like(NAME),
    "quoted": lambda: planted.with_pikepdf(_line_pdf(NAME), _quoted),
    "type0": lambda: _type0_pdf(f"{BEFORE} {NAME} {AFTER}", spread=120),
    "form": lambda: _in_a_form(_line_pdf(NAME, justified=True)),
}


@pytest.mark.parametrize("document", sorted(_REWRITTEN))
def test_the_operators_noted_while_rewriting_are_what_parsing_the_copy_reads(
        document: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fonts' maps are trimmed from the text-showing operators papka noted as it wrote each
    stream, not from parsing the stream again: what it noted must be exactly what parsing the
    written bytes reads."""
    from papka.formats import text_redaction

    data = _REWRITTEN[document]()
    noted: list[dict[bytes, list[tuple[str, Sequence[object]]]]] = []
    trim = text_redaction._trim_font_maps

    def spy(copy: pikepdf.Pdf, written: dict[bytes, list[tuple[str, Sequence[object]]]]
            ) -> None:
        noted.append(dict(written))
        trim(copy, written)

    monkeypatch.setattr(text_redaction, "_trim_font_maps", spy)
    kept = keep_text(data, _plan(data, NAME))
    assert kept.burned == {}
    (written,) = noted
    assert len(written) == (2 if document == "form" else 1)  # a form: its copy and the page
    for stream, shown in written.items():
        with pikepdf.new() as scratch:
            parsed = pikepdf.parse_content_stream(scratch.make_stream(stream),
                                                  text_redaction._SHOWING_OPERATORS)
        assert _normalised(shown) == _normalised(
            [(str(i.operator), i.operands) for i in parsed])  # type: ignore[union-attr]
    assert {"Tf", "TJ"} <= {name for shown in written.values() for name, _ in shown}


@pytest.mark.parametrize("document", sorted(_REWRITTEN))
def test_the_copy_is_the_same_whether_the_maps_are_trimmed_from_notes_or_by_parsing(
        document: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from papka.formats import text_redaction

    data = _REWRITTEN[document]()
    plan = _plan(data, NAME)
    noted = keep_text(data, plan)
    trim = text_redaction._trim_font_maps
    monkeypatch.setattr(text_redaction, "_trim_font_maps",
                        lambda copy, written: trim(copy, {}))
    parsed = keep_text(data, plan)
    assert noted.burned == parsed.burned == {}
    assert noted.data == parsed.data
    _assert_gone(noted.data, NAME)


def test_a_stream_is_parsed_again_unless_it_holds_exactly_the_bytes_papka_wrote() -> None:
    from papka.formats import text_redaction

    wrote = b"BT /F1 9 Tf (kept) Tj ET"
    noted: list[tuple[str, Sequence[object]]] = [("Tj", [pikepdf.String("noted")])]
    with pikepdf.new() as document:
        page = document.add_blank_page()
        page.obj.Contents = document.make_stream(wrote)
        assert _normalised(text_redaction._read_showing(page, {wrote: noted})) == _normalised(
            noted)
        # Changed after papka wrote it (as taking out alternate texts does): read from the file.
        page.obj.Contents = document.make_stream(b"BT /F1 9 Tf 0.5 Tw (changed) Tj ET")
        assert _normalised(text_redaction._read_showing(page, {wrote: noted})) == [
            ("Tf", b"[ /F1 9 ]"), ("Tj", b"[ (changed) ]")]


def test_two_direct_fonts_are_each_measured_with_their_own_widths() -> None:
    """Fonts are measured once per document; two fonts written straight into the resources
    (no object of their own) must never share what was measured."""
    from papka.formats import text_redaction

    def font(width: int) -> pikepdf.Dictionary:
        return pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                  BaseFont=pikepdf.Name.Helvetica, FirstChar=97, LastChar=98,
                                  Widths=pikepdf.Array([width, width]))

    fonts: dict[object, object] = {}
    with pikepdf.new() as document:
        page = document.add_blank_page()
        page.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font(500),
                                                                        F2=font(1000)))
        page.obj.Contents = document.make_stream(
            b"BT " + b"/F1 10 Tf (a) Tj /F2 10 Tf (b) Tj " * 300 + b"ET")
        reading = text_redaction._Page()
        text_redaction._Reader(reading, fonts).run(  # type: ignore[arg-type]
            pikepdf.parse_content_stream(page), page.obj.Resources, text_redaction.IDENTITY, 0)
    assert len(reading.glyphs) == 600
    assert {(g.code, g.width) for g in reading.glyphs} == {(b"a", 0.5), (b"b", 1.0)}
    assert len(fonts) == 2


def test_an_encoding_written_into_its_font_keeps_only_the_codes_that_font_shows() -> None:
    """Several fonts, each with its own /Differences written straight into it (no object of its
    own, as many producers write them): each keeps the glyph names of the codes it still
    shows, whatever the others show. A font itself written straight into the resources cannot
    be told apart from another look-up of it, so its encoding is left as it is."""
    from papka.formats import text_redaction

    names = [pikepdf.Name(f"/{letter}") for letter in "abcd"]
    with pikepdf.new() as document:
        page = document.add_blank_page()

        def font() -> pikepdf.Dictionary:
            return pikepdf.Dictionary(
                Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                BaseFont=pikepdf.Name.Helvetica, FirstChar=97, LastChar=100,
                Widths=pikepdf.Array([500] * 4), Encoding=pikepdf.Dictionary(
                    Type=pikepdf.Name.Encoding, Differences=pikepdf.Array([97, *names])))

        fonts = {f"/F{i}": document.make_indirect(font()) for i in range(6)}
        fonts["/Direct"] = font()
        shows = {"/F0": "a", "/F1": "b", "/F2": "c", "/F3": "d", "/F4": "ab", "/F5": "cd",
                 "/Direct": "a"}
        page.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(fonts))
        page.obj.Contents = document.make_stream(b"BT " + b" ".join(
            f"{name} 9 Tf ({text}) Tj".encode() for name, text in shows.items()) + b" ET")
        text_redaction._trim_font_maps(document, {})
        table = page.obj.Resources.Font
        for name, text in shows.items():
            kept = [str(item) for item in table[name].Encoding.Differences]
            if name == "/Direct":
                assert kept == ["97", "/a", "/b", "/c", "/d"]
            else:
                assert kept == ["97"] + [f"/{letter}" if letter in text else "/.notdef"
                                         for letter in "abcd"], name


def _longest_run_read_from_every_start(folded: list[str], target: str) -> tuple[int, str]:
    """The plain search: every start read until what it reads is no part of target."""
    best_end, best = -1, ""
    for start in range(len(folded)):
        joined = ""
        for end in range(start, len(folded)):
            joined += folded[end]
            if joined not in target:
                break
            if folded[end] and len(joined) > len(best):
                best_end, best = end, joined
    return best_end, best


@given(st.lists(st.sampled_from(["", "а", "б", "в", "аб", "ва", "."]), max_size=12),
       st.text(alphabet="абв.", max_size=10))
@settings(max_examples=500, deadline=None)
def test_the_run_that_ends_a_box_text_is_what_reading_every_start_finds(
        folded: list[str], target: str) -> None:
    """Where a detected box's text ends is searched without reading again what an earlier
    start already read; it must find exactly what reading from every start finds."""
    from papka.formats import text_redaction

    assert text_redaction._longest_run(folded, target) == _longest_run_read_from_every_start(
        folded, target)
