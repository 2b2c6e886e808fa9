"""Mixed pages: text in black and white over a background photograph, with the boxes drawn
black by a lossless layer of their own, the redacted name gone and verification still in
charge."""

from __future__ import annotations

import io
import random
import subprocess
from pathlib import Path
from typing import Any

import pikepdf
import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFont

from papka import media
from papka.formats import burn as burning
from papka.formats import fonts, mixed_page, ocr, pdf, plan_redaction, redact_as_planned
from papka.formats.image import jpeg_layout
from papka.formats.rendering import pixel_box
from papka.formats.verify import verify
from tests.conftest import require_tool
from tests.formats import planted

DPI = 200
SURNAME = planted.NAME.split()[0]
#: Where the name's line lies on the page, in pixels at DPI, and the box over it in points.
NAME_LINE = (140, 380)
BOX = (0, 120 * 72 / DPI, 360 * 72 / DPI, 1300 * 72 / DPI, 450 * 72 / DPI)


def _mixed_sheet(size: tuple[int, int] = (1400, 1100)) -> Image.Image:
    """Cyrillic text over a photograph-like gradient (colour, grain), with a blue stamp."""
    width, height = size
    rng = random.Random(7)
    grain = Image.frombytes("L", size, rng.randbytes(width * height)).point(
        lambda v: v // 10)
    red = ImageChops.add(Image.linear_gradient("L").resize(size).point(
        lambda v: 130 + v * 110 // 255), grain)
    green = ImageChops.add(Image.radial_gradient("L").resize(size).point(
        lambda v: 240 - v * 80 // 255), grain)
    blue = ImageChops.add(Image.linear_gradient("L").rotate(90).resize(size).point(
        lambda v: 240 - v * 110 // 255), grain)
    sheet = Image.merge("RGB", (red, green, blue))
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.truetype(str(fonts.REGULAR), 40)
    draw.text((140, 160), planted.KEEP, font=font, fill=(20, 20, 30))
    draw.text((140, 260), "Выдана в том, что он проходил службу", font=font, fill=(20, 20, 30))
    draw.text(NAME_LINE, f"Мать: {planted.NAME}", font=font, fill=(20, 20, 30))
    draw.text((140, 500), "Справка выдана для предъявления", font=font, fill=(20, 20, 30))
    draw.ellipse((820, 620, 1220, 1020), outline=(40, 60, 200), width=14)
    draw.text((900, 800), "ПЕЧАТЬ", font=font, fill=(40, 60, 200))
    return sheet


def _scan_pdf(picture: Image.Image) -> bytes:
    """The sheet as a scanner makes it: a JPEG page at 200 dpi, no text."""
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=90)
    return pdf.build_pdf([pdf.PageImage(buffer.getvalue(), picture.width, picture.height,
                                        picture.width * 72 / DPI, picture.height * 72 / DPI)])


def _redacted(monkeypatch: pytest.MonkeyPatch | None = None) -> tuple[bytes, bytes]:
    data = _scan_pdf(_mixed_sheet())
    plan = plan_redaction(data, media.PDF, preset=None, hide=[planted.NAME], ocr=False,
                          boxes=[BOX])
    return data, redact_as_planned(data, media.PDF, plan, ocr=True, dpi=DPI).data


def _layers(data: bytes) -> dict[str, dict[str, Any]]:
    """The page's pictures (not the OCR text layer's form), by resource name."""
    with pikepdf.open(io.BytesIO(data)) as document:
        found = {}
        for name, image in document.pages[0].Resources.XObject.items():
            if image.get("/Subtype") != pikepdf.Name.Image:
                continue
            found[name] = {
                "filter": str(image.Filter), "mask": bool(image.get("/ImageMask", False)),
                "keys": sorted(map(str, image.keys())),
                "raw": bytes(image.read_raw_bytes()),
                "size": (int(image.Width), int(image.Height)),
            }
        return found


def _render(data: bytes) -> Image.Image:
    document = pdfium.PdfDocument(data)
    try:
        return document[0].render(scale=DPI / 72).to_pil().convert("RGB")
    finally:
        document.close()


def _box_pixels() -> tuple[int, int, int, int]:
    from papka.formats.plan import Box

    box = Box(0, BOX[1], BOX[2], BOX[3], BOX[4])
    return pixel_box(box, DPI / 72, (1400, 1100))


@pytest.fixture(scope="module")
def redacted() -> tuple[bytes, bytes]:
    require_tool("tesseract")
    return _redacted()


def test_a_mixed_page_splits_into_text_and_background(redacted: tuple[bytes, bytes]) -> None:
    _, data = redacted
    layers = _layers(data)
    assert layers["/Im0"]["filter"] == "/DCTDecode" and not layers["/Im0"]["mask"]
    assert layers["/Im0"]["size"] == (700, 550)   # the background at half the resolution
    masks = [layer for name, layer in layers.items() if name != "/Im0"]
    assert len(masks) == 2
    for layer in masks:
        assert layer["mask"] and layer["filter"] == "/CCITTFaxDecode"
        assert layer["size"] == (1400, 1100)


def test_a_mixed_page_is_smaller_than_the_page_as_one_jpeg(
        redacted: tuple[bytes, bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    source, data = redacted
    monkeypatch.setattr(mixed_page, "split_page", lambda picture: None)
    plan = plan_redaction(source, media.PDF, preset=None, hide=[planted.NAME], ocr=False,
                          boxes=[BOX])
    whole = burning.burn(source, media.PDF, plan, dpi=DPI, ocr_layer=True).data
    assert [layer["filter"] for layer in _layers(whole).values()] == ["/DCTDecode"]
    # Measured about three times smaller; the test asks for a third less.
    assert len(data) * 3 < len(whole) * 2


def test_the_name_is_gone_from_every_layer(redacted: tuple[bytes, bytes]) -> None:
    source, data = redacted
    assert "pdf-ocr" in verify(source, media.PDF, [planted.NAME], ocr=True).failures
    assert verify(data, media.PDF, [planted.NAME], ocr=True).ok
    read = ocr.read_text(_render(data), dpi=DPI)
    assert SURNAME not in read and "Справка" in read
    for layer in _layers(data).values():
        for encoding in ("utf-8", "utf-16-be", "cp1251"):
            assert SURNAME.encode(encoding) not in layer["raw"]
    # The OCR text layer, read from the redacted pixels, keeps the rest of the text.
    document = pdfium.PdfDocument(data)
    try:
        text = document[0].get_textpage().get_text_range()
    finally:
        document.close()
    assert "Справка" in text and SURNAME not in text


def test_the_box_is_solid_black_as_readers_draw_it(redacted: tuple[bytes, bytes],
                                                   tmp_path: Path) -> None:
    _, data = redacted
    left, top, right, bottom = _box_pixels()
    assert _render(data).convert("L").crop((left, top, right, bottom)).getextrema() == (0, 0)
    pdftoppm = require_tool("pdftoppm")
    (tmp_path / "page.pdf").write_bytes(data)
    subprocess.run([pdftoppm, "-r", str(DPI), "-gray", str(tmp_path / "page.pdf"),
                    str(tmp_path / "page")], check=True, timeout=120)
    with Image.open(next(tmp_path.glob("page-*.pgm"))) as drawn:
        # Poppler's scaling may smooth a pixel at the box's edge; inside it, only black.
        assert drawn.convert("L").crop((left + 2, top + 2, right - 2, bottom - 2)
                                       ).getextrema() == (0, 0)
    # In the background alone the box is black too (whole JPEG blocks inside it).
    background = Image.open(io.BytesIO(_layers(data)["/Im0"]["raw"])).convert("L")
    inside = background.crop((left // 2 + 16, top // 2 + 16, right // 2 - 16, bottom // 2 - 16))
    assert max(inside.getextrema()) <= 2  # type: ignore[operator]


def test_no_layer_carries_metadata(redacted: tuple[bytes, bytes]) -> None:
    _, data = redacted
    layers = _layers(data)
    layout = jpeg_layout(layers["/Im0"]["raw"])
    # Only the JFIF header Pillow writes: no EXIF, XMP, ICC profile or comment.
    assert [segment.marker for segment in layout.segments if 0xE0 <= segment.marker <= 0xEF
            or segment.marker == 0xFE] == [0xE0]
    with Image.open(io.BytesIO(layers["/Im0"]["raw"])) as background:
        assert not {"exif", "icc_profile", "xmp", "comment"} & set(background.info)
    assert layers["/Im0"]["keys"] == ["/BitsPerComponent", "/ColorSpace", "/Filter", "/Height",
                                      "/Length", "/Subtype", "/Type", "/Width"]
    for name, layer in layers.items():
        if name != "/Im0":
            assert layer["keys"] == ["/BitsPerComponent", "/DecodeParms", "/Filter", "/Height",
                                     "/ImageMask", "/Length", "/Subtype", "/Type", "/Width"]


def _tampered(data: bytes, background: Image.Image | None, open_box: bool) -> bytes:
    """The redacted copy with its background replaced and, with open_box, a hole cut in the
    black layer where the box is."""
    left, top, right, bottom = _box_pixels()
    with pikepdf.open(io.BytesIO(data)) as document:
        pictures = document.pages[0].Resources.XObject
        if background is not None:
            buffer = io.BytesIO()
            background.save(buffer, format="JPEG", quality=90)
            pictures.Im0.write(buffer.getvalue(), filter=pikepdf.Name.DCTDecode)
            pictures.Im0.Width, pictures.Im0.Height = background.size
            pictures.Im0.ColorSpace = pikepdf.Name.DeviceRGB
        if open_box:
            black = pikepdf.PdfImage(pictures.Mk1).as_pil_image().convert("L")
            # pikepdf gives the mask's samples: 0 is painted; a hole is 1 (white here).
            black.paste(255, (left, top, right, bottom))
            layer = pdf.encode_g4(black.point(lambda v: 255 if v else 0).convert("1"))
            pictures.Mk1.write(layer, filter=pikepdf.Name.CCITTFaxDecode,
                               decode_parms=pictures.Mk1.DecodeParms)
        buffer = io.BytesIO()
        document.save(buffer)
        return buffer.getvalue()


def test_verification_fails_when_a_tampered_layer_shows_the_name(
        redacted: tuple[bytes, bytes]) -> None:
    """The verifier reads what a reader sees: a background carrying the unredacted page with
    a hole in the black layer shows the name, and OCR verification fails."""
    _, data = redacted
    original = _mixed_sheet().resize((700, 550), Image.Resampling.LANCZOS)
    leaking = _tampered(data, original.resize((1400, 1100)), open_box=True)
    assert "pdf-ocr" in verify(leaking, media.PDF, [planted.NAME], ocr=True).failures
    # Behind the black layer alone the name does not show: the layer covers it.
    covered = _tampered(data, original.resize((1400, 1100)), open_box=False)
    assert verify(covered, media.PDF, [planted.NAME], ocr=True).ok


def test_a_hole_in_the_black_layer_still_shows_a_black_box(redacted: tuple[bytes, bytes]
                                                           ) -> None:
    """The background keeps the boxes black, so a hole in the black layer (a reader that
    skips masks) shows black there, not what the box hid (it is not in the file)."""
    _, data = redacted
    holed = _tampered(data, None, open_box=True)
    left, top, right, bottom = _box_pixels()
    inside = _render(holed).convert("L").crop((left + 4, top + 4, right - 4, bottom - 4))
    assert max(inside.getextrema()) <= 8  # type: ignore[operator]
    assert verify(holed, media.PDF, [planted.NAME], ocr=True).ok


def test_pages_that_split_badly_stay_whole() -> None:
    """Readability rule: a page whose layers drawn together would differ from it (fine
    detail in the background at half the resolution) is not split."""
    rng = random.Random(3)
    size = (800, 600)
    noise = Image.frombytes("L", size, rng.randbytes(size[0] * size[1]))
    page = Image.merge("RGB", (noise, noise.rotate(180), noise.transpose(
        Image.Transpose.FLIP_LEFT_RIGHT)))
    ImageDraw.Draw(page).text((40, 40), planted.KEEP, font=ImageFont.truetype(
        str(fonts.REGULAR), 40), fill=(0, 0, 0))
    split = mixed_page.split_page(page)
    assert split is not None
    composed = mixed_page.compose(mixed_page.background_jpeg(split), split)
    assert not mixed_page.readable(page, composed)
    assert burning.encode_page(page).stored_as != "mixed"


def test_a_photograph_with_only_pure_black_marks_splits_too() -> None:
    """Text drawn without smoothed edges in pure black over a photograph: the ink layer is
    empty, the black layer alone carries the text, and the page still splits."""
    size = (600, 400)
    page = Image.merge("RGB", (
        Image.linear_gradient("L").resize(size).point(lambda v: 150 + v * 90 // 255),
        Image.radial_gradient("L").resize(size).point(lambda v: 240 - v * 80 // 255),
        Image.linear_gradient("L").rotate(90).resize(size).point(lambda v: 240 - v * 100 // 255)))
    draw = ImageDraw.Draw(page)
    draw.fontmode = "1"   # no smoothed edges: every mark is exactly black
    draw.text((40, 40), planted.KEEP, font=ImageFont.truetype(str(fonts.REGULAR), 30),
              fill=(0, 0, 0))
    split = mixed_page.split_page(page)
    assert split is not None
    assert split.ink.getextrema() == (255, 255)    # nothing on the ink layer
    assert split.black.getextrema()[0] == 0
    composed = mixed_page.compose(mixed_page.background_jpeg(split), split)
    assert composed.convert("L").crop((40, 40, 400, 80)).getextrema()[0] == 0
