"""One reading per page: the verifier's OCR of a burned copy becomes its text layer.

The copy is burned without a layer and verified in full; the words the verifier read are laid
over the verified pages as invisible text; the result must pass every other channel again and
draw exactly the verified pages (papka.formats.verify.same_pages). Each way a secret could
slip in after the reading (into the text layer, into the pixels, into a picture swapped after
verification) is planted here and must be refused.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable, Sequence

import pikepdf
import pypdfium2 as pdfium
import pytest
from PIL import Image

from papka import media
from papka.formats import ocr, pdf, plan_redaction, redact_as_planned, text_layer
from papka.formats.burn import burn
from papka.formats.plan import RedactionPlan
from papka.formats.redaction import RedactionNotVerified
from papka.formats.verify import verify
from papka.formats.verify.pages import ReadWord
from tests.conftest import require_tool
from tests.formats import planted

DPI = 200
SURNAME = planted.NAME.split()[0]
#: The name's line on planted.picture, in points at DPI (the picture is 1400 x 700 pixels).
NAME_BOX = (0, 40 * 72 / DPI, 270 * 72 / DPI, 1340 * 72 / DPI, 385 * 72 / DPI)


def _jpeg(picture: Image.Image) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def _scan(pictures: Sequence[Image.Image]) -> bytes:
    """Pictures as a scanner's PDF: one JPEG page each at DPI, no text."""
    return pdf.build_pdf([pdf.PageImage(_jpeg(p), p.width, p.height, p.width * 72 / DPI,
                                        p.height * 72 / DPI) for p in pictures])


def _plan(data: bytes, *, boxed: bool = True) -> RedactionPlan:
    return plan_redaction(data, media.PDF, preset=None, hide=[planted.NAME], ocr=False,
                          boxes=[NAME_BOX] if boxed else [])


def _text(data: bytes) -> str:
    document = pdfium.PdfDocument(data)
    try:
        return "\n".join(document[i].get_textpage().get_text_range()
                         for i in range(len(document)))
    finally:
        document.close()


@pytest.fixture(scope="module")
def source() -> bytes:
    require_tool("tesseract")
    return _scan([planted.picture(secret=planted.NAME), planted.picture()])


def _layer_then(change: Callable[[pikepdf.Pdf], None], monkeypatch: pytest.MonkeyPatch
                ) -> None:
    """Make redaction's text-layer step also apply change to the file it writes."""
    original = text_layer.add_text_layer

    def changed(data: bytes, pages: Sequence[Sequence[ReadWord]]) -> bytes:
        with pikepdf.open(io.BytesIO(original(data, pages))) as document:
            change(document)
            buffer = io.BytesIO()
            document.save(buffer)
        return buffer.getvalue()

    monkeypatch.setattr(text_layer, "add_text_layer", changed)


def test_each_page_is_read_once_and_carries_what_the_verifier_read(
        source: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    runs: list[str] = []
    run = ocr._run

    def counted(image: Image.Image, dpi: int, output: str, *config: str,
                **options: object) -> bytes:
        runs.append(output)
        return run(image, dpi, output, *config, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(ocr, "_run", counted)
    redacted = redact_as_planned(source, media.PDF, _plan(source), ocr=True, dpi=DPI)
    # No text-only PDF from Tesseract: the layer comes from the verifier's own readings.
    assert "pdf" not in runs and runs.count("tsv") >= 2
    text = _text(redacted.data)
    assert "Справка" in text and "прохождении" in text and SURNAME not in text
    # The same words for pdfminer, which places characters by the font's widths.
    from pdfminer.high_level import extract_text

    assert "прохождении" in extract_text(io.BytesIO(redacted.data))
    # The pages are the burned ones without a layer, picture for picture.
    plain = burn(source, media.PDF, _plan(source), dpi=DPI, ocr_layer=False)
    assert verify(redacted.data, media.PDF, [planted.NAME], ocr=False,
                  same_pages_as=plain.data).ok
    with pikepdf.open(io.BytesIO(plain.data)) as before, \
            pikepdf.open(io.BytesIO(redacted.data)) as after:
        for old, new in zip(before.pages, after.pages, strict=True):
            assert bytes(old.Resources.XObject.Im0.read_raw_bytes()) == bytes(
                new.Resources.XObject.Im0.read_raw_bytes())
            assert isinstance(new.obj.Contents, pikepdf.Array)
            assert bytes(new.obj.Contents[0].read_raw_bytes()) == bytes(
                old.obj.Contents.read_raw_bytes())


def test_a_secret_in_the_text_layer_is_refused(source: bytes,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    original = text_layer.add_text_layer

    def leaking(data: bytes, pages: Sequence[Sequence[ReadWord]]) -> bytes:
        planted_word = ReadWord(planted.NAME, 95.0, (20.0, 200.0), (300.0, 200.0), 12.0)
        return original(data, [[*pages[0], planted_word], *pages[1:]])

    monkeypatch.setattr(text_layer, "add_text_layer", leaking)
    with pytest.raises(RedactionNotVerified) as caught:
        redact_as_planned(source, media.PDF, _plan(source), ocr=True, dpi=DPI)
    assert {"pdfium-text", "pdfminer-text"} <= set(caught.value.failures)
    # Invisible text is what a layer may add: the pages themselves are still the verified ones.
    assert "pdf-pages-changed" not in caught.value.failures


def test_a_secret_left_in_the_pixels_is_refused_before_any_layer(
        source: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    def never(data: bytes, pages: Sequence[Sequence[ReadWord]]) -> bytes:
        raise AssertionError("a copy that failed verification got a text layer")

    monkeypatch.setattr(text_layer, "add_text_layer", never)
    with pytest.raises(RedactionNotVerified) as caught:
        redact_as_planned(source, media.PDF, _plan(source, boxed=False), ocr=True, dpi=DPI)
    assert caught.value.failures == ["pdf-ocr"]
    assert [left.page for left in caught.value.leftovers] == [0]


def _store(image: pikepdf.Stream, picture: Image.Image) -> None:
    """Put a grey picture's pixels into a page's picture, as lossless Flate."""
    grey = picture.convert("L").resize((int(image.Width), int(image.Height)))
    image.write(zlib.compress(grey.tobytes()), filter=pikepdf.Name.FlateDecode)
    image.BitsPerComponent, image.ColorSpace = 8, pikepdf.Name.DeviceGray
    if "/DecodeParms" in image:
        del image["/DecodeParms"]


def _swap_picture(picture: Image.Image) -> Callable[[pikepdf.Pdf], None]:
    def change(document: pikepdf.Pdf) -> None:
        _store(document.pages[0].Resources.XObject.Im0, picture)
    return change


def test_a_picture_swapped_after_verification_is_refused(source: bytes,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # The name shown again on page 1: no channel but the identity check reads pixels.
    _layer_then(_swap_picture(planted.picture(secret=planted.NAME)), monkeypatch)
    with pytest.raises(RedactionNotVerified) as caught:
        redact_as_planned(source, media.PDF, _plan(source), ocr=True, dpi=DPI)
    assert caught.value.failures == ["pdf-pages-changed"]


def test_a_picture_encoded_again_is_not_the_verified_one(
        source: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    def again(document: pikepdf.Pdf) -> None:
        image = document.pages[0].Resources.XObject.Im0
        _store(image, pikepdf.PdfImage(image).as_pil_image())

    _layer_then(again, monkeypatch)
    with pytest.raises(RedactionNotVerified) as caught:
        redact_as_planned(source, media.PDF, _plan(source), ocr=True, dpi=DPI)
    assert caught.value.failures == ["pdf-pages-changed"]


def test_without_ocr_verification_the_layer_is_tesseracts_own(source: bytes) -> None:
    # No verifier reading to reuse: the burned pixels are read for the layer as before.
    redacted = redact_as_planned(source, media.PDF, _plan(source), ocr=False, ocr_layer=True,
                                 dpi=DPI)
    assert "прохождении" in _text(redacted.data) and SURNAME not in _text(redacted.data)
    assert verify(redacted.data, media.PDF, [planted.NAME], ocr=True).ok


# --- the identity check on its own ----------------------------------------------------------


@pytest.fixture(scope="module")
def verified() -> bytes:
    return _scan([planted.picture(), planted.picture()])


def _words() -> list[ReadWord]:
    return [ReadWord("Справка", 96.0, (20.0, 40.0), (120.0, 40.0), 14.0)]


def _extra_stream(drawing: bytes) -> Callable[[pikepdf.Pdf], None]:
    def change(document: pikepdf.Pdf) -> None:
        page = document.pages[0].obj
        page.Contents = pikepdf.Array([*page.Contents, document.make_stream(drawing)])
    return change


def _first(document: pikepdf.Pdf) -> None:
    page = document.pages[0].obj
    page.Contents = pikepdf.Array([page.Contents[1], page.Contents[0]])


def _type3(document: pikepdf.Pdf) -> None:
    font = document.pages[0].Resources.Font[text_layer.FONT_NAME]
    font.Subtype = pikepdf.Name.Type3


def _annotation(document: pikepdf.Pdf) -> None:
    document.pages[0].obj.Annots = document.make_indirect(pikepdf.Array([
        document.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Square,
            Rect=[10, 10, 200, 100], C=[0, 0, 0]))]))


def _inherited_turn(document: pikepdf.Pdf) -> None:
    document.Root.Pages.Rotate = 90


def _optional_content(document: pikepdf.Pdf) -> None:
    group = document.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.OCG,
                                                      Name=pikepdf.String("x")))
    document.Root.OCProperties = pikepdf.Dictionary(OCGs=[group], D=pikepdf.Dictionary(
        OFF=[group]))


def _smaller_page(document: pikepdf.Pdf) -> None:
    document.pages[0].obj.MediaBox = pikepdf.Array([0, 0, 300, 200])


def _moved_picture(document: pikepdf.Pdf) -> None:
    page = document.pages[0].obj
    drawing = bytes(page.Contents[0].read_bytes()).replace(b" 0 0 cm", b" 0 40 cm")
    page.Contents = pikepdf.Array([document.make_stream(drawing), page.Contents[1]])


def _page_removed(document: pikepdf.Pdf) -> None:
    del document.pages[1]


def _picture_added(document: pikepdf.Pdf) -> None:
    page = document.pages[0]
    page.Resources.XObject.Im1 = page.Resources.XObject.Im0


@pytest.mark.parametrize("change", [
    _extra_stream(b"0 0 1 rg 10 10 100 50 re f"),               # paints a rectangle
    _extra_stream(b"BT /PapkaText 1 Tf 0 Tr 20 0 0 14 20 40 Tm <0410> Tj ET"),  # visible text
    _extra_stream(b"BT 3 Tr /PapkaText 1 Tf 20 0 0 14 20 40 Tm <0410> Tj ET /Im0 Do"),
    _extra_stream(b"BI /W 1 /H 1 /BPC 8 /CS /G ID \x00 EI"),   # an inline picture
    _first, _type3, _annotation, _inherited_turn, _optional_content, _smaller_page,
    _moved_picture, _page_removed, _picture_added,
], ids=["paint", "visible-text", "picture-drawn", "inline-picture", "layer-first", "type3",
        "annotation", "inherited-turn", "optional-content", "page-size", "picture-moved",
        "page-removed", "picture-added"])
def test_anything_but_invisible_text_changes_the_pages(
        verified: bytes, change: Callable[[pikepdf.Pdf], None]) -> None:
    layered = text_layer.add_text_layer(verified, [_words(), []])
    assert verify(layered, media.PDF, [], ocr=False, same_pages_as=verified).ok
    outcome = verify(planted.with_pikepdf(layered, change), media.PDF, [], ocr=False,
                     same_pages_as=verified)
    assert "pdf-pages-changed" in outcome.failures


def test_the_layer_lies_along_each_words_baseline() -> None:
    # A word read on a page turned a quarter: its baseline runs up the page.
    upward = ReadWord("Справка", 90.0, (100.0, 500.0), (100.0, 400.0), 20.0)
    drawing = text_layer.page_drawing([upward], 0.0, 700.0).decode()
    matrix = next(line for line in drawing.splitlines() if line.endswith("Tj")).split()[:6]
    a, b, c, d, e, f = (float(v) for v in matrix)
    assert (a, d) == (0.0, 0.0) and b > 0 and c < 0   # x along +y of PDF space, y along -x
    assert (e, f) == (100.0, 200.0)
    # Seven letters and a space: the letters span the 100 points of the baseline.
    assert b * 0.5 * 7 == pytest.approx(100.0, abs=0.01)
    assert "3 Tr" in drawing


def test_a_sideways_page_gets_its_words_along_its_lines() -> None:
    """A page scanned sideways is read turned upright; its layer's words run up the page, as
    its lines do, and extract as the words they are."""
    require_tool("tesseract")
    sideways = planted.picture().rotate(90, expand=True)   # lines run up the page
    data = _scan([sideways])
    plan = plan_redaction(data, media.PDF, preset=None, hide=[], ocr=False)
    redacted = redact_as_planned(data, media.PDF, plan, ocr=True, dpi=DPI)
    document = pdfium.PdfDocument(redacted.data)
    try:
        text = document[0].get_textpage()
        assert "прохождении" in text.get_text_range()
        # "Справка": its letters stand one above the other, in one column, going up.
        word = [text.get_charbox(i) for i in range(7)]
        bottoms = [bottom for _, bottom, _, _ in word]
        assert bottoms == sorted(bottoms) and bottoms[-1] - bottoms[0] > 50
        assert max(left for left, *_ in word) - min(left for left, *_ in word) < 1
    finally:
        document.close()
