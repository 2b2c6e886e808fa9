"""Sanitising strips metadata and keeps the content exactly."""

from __future__ import annotations

import io

import pikepdf
import pytest
from PIL import Image

from papka.formats import media
from papka.formats.sanitize import sanitize
from papka.formats.verify import verify
from tests.formats import planted

PDFS = planted.pdf_channels()
SECRETS = [planted.NAME, planted.NAME_LATIN, planted.UNIT, planted.PHONE]
# The metadata channels sanitising is meant to clear; content channels are burning's job.
PDF_METADATA_CHANNELS = ["docinfo", "xmp", "attachment", "incremental-revision",
                         "embedded-jpeg-exif"]


def _pdfium_text(data: bytes) -> str:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    try:
        return "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    finally:
        document.close()


@pytest.mark.parametrize("channel", PDF_METADATA_CHANNELS)
def test_pdf_metadata_channels_are_cleared(channel: str) -> None:
    result = sanitize(PDFS[channel], media.PDF)
    assert result.media_type == media.PDF
    assert result.removed
    if channel == "embedded-jpeg-exif":
        # Images inside a PDF are content: their EXIF is only removed by burning.
        assert not verify(result.data, media.PDF, SECRETS, ocr=False).ok
        return
    assert verify(result.data, media.PDF, SECRETS, ocr=False).ok
    assert planted.KEEP in _pdfium_text(result.data)


def test_pdf_javascript_and_open_action_are_removed() -> None:
    def add_script(document: pikepdf.Pdf) -> None:
        script = pikepdf.Dictionary(S=pikepdf.Name.JavaScript,
                                    JS=pikepdf.String(f"app.alert('{planted.NAME_LATIN}')"))
        document.Root.OpenAction = document.make_indirect(script)
        document.Root.Names = pikepdf.Dictionary(JavaScript=pikepdf.Dictionary(
            Names=pikepdf.Array([pikepdf.String("a"), document.make_indirect(script)])))

    source = planted.with_pikepdf(planted.canvas_pdf(), add_script)
    assert not verify(source, media.PDF, [planted.NAME_LATIN], ocr=False).ok
    result = sanitize(source, media.PDF)
    assert "JavaScript" in result.removed
    assert verify(result.data, media.PDF, [planted.NAME_LATIN], ocr=False).ok


def test_sanitising_does_not_remove_content_channels() -> None:
    # Said plainly in docs/redaction.md: text under a box is content; only burning removes it.
    result = sanitize(PDFS["text-under-black-box"], media.PDF)
    assert not verify(result.data, media.PDF, SECRETS, ocr=False).ok


def _pixels(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as picture:
        return picture.convert("RGB").tobytes()


@pytest.mark.parametrize("channel", sorted(planted.jpeg_channels()))
def test_jpeg_metadata_is_stripped_and_pixels_kept(channel: str) -> None:
    data, secret = planted.jpeg_channels()[channel]
    result = sanitize(data, media.JPEG)
    assert result.removed
    assert verify(result.data, media.JPEG, [secret], ocr=False).ok
    assert _pixels(result.data) == _pixels(data)


def test_jpeg_orientation_survives_sanitising() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x013B] = planted.NAME_LATIN
    buffer = io.BytesIO()
    planted.picture(size=(300, 200)).save(buffer, format="JPEG", exif=exif.tobytes())
    result = sanitize(buffer.getvalue(), media.JPEG)
    with Image.open(io.BytesIO(result.data)) as picture:
        assert dict(picture.getexif()) == {0x0112: 6}
    assert verify(result.data, media.JPEG, [planted.NAME_LATIN], ocr=False).ok


@pytest.mark.parametrize("channel", sorted(planted.png_channels()))
def test_png_metadata_is_stripped_and_pixels_kept(channel: str) -> None:
    data, secret = planted.png_channels()[channel]
    result = sanitize(data, media.PNG)
    assert result.removed
    assert verify(result.data, media.PNG, [secret], ocr=False).ok
    assert _pixels(result.data) == _pixels(data)


@pytest.mark.parametrize("channel", ["properties", "comment", "embedded-media"])
def test_docx_metadata_is_stripped(channel: str) -> None:
    data = planted.docx_channels()[channel]
    result = sanitize(data, media.DOCX)
    assert result.removed
    assert verify(result.data, media.DOCX, SECRETS, ocr=False).ok
    import docx

    document = docx.Document(io.BytesIO(result.data))
    assert planted.KEEP in [p.text for p in document.paragraphs]


def test_docx_revision_author_is_stripped_but_tracked_text_is_content() -> None:
    data = planted.docx_channels()["tracked-deletion"]
    result = sanitize(data, media.DOCX)
    assert "revision authors and dates" in result.removed
    assert verify(result.data, media.DOCX, [planted.NAME_LATIN], ocr=False).ok
    # The deleted text itself is content: sanitising leaves it, burning drops it.
    assert not verify(result.data, media.DOCX, [planted.NAME], ocr=False).ok


def test_email_routing_headers_go_only_on_request() -> None:
    data, secret = planted.email_channels()["received-and-originating-ip"]
    kept = sanitize(data, media.EML)
    assert kept.data == data and kept.removed == []
    stripped = sanitize(data, media.EML, strip_email_routing=True)
    assert "header received" in stripped.removed
    assert "header x-originating-ip" in stripped.removed
    assert verify(stripped.data, media.EML, [secret], ocr=False).ok
    body = data.split(b"\n\n", 1)[1]
    assert stripped.data.endswith(body)
