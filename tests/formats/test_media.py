"""Media types come from content."""

from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from papka import media
from papka.media import sniff_media_type
from tests.formats import planted


def _image(kind: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, format=kind)
    return buffer.getvalue()


def _zip(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "x")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (planted.canvas_pdf(), media.PDF),
        (_image("JPEG"), media.JPEG),
        (_image("PNG"), media.PNG),
        (_image("GIF"), media.GIF),
        (_image("WEBP"), media.WEBP),
        (_image("TIFF"), media.TIFF),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", media.HEIC),
        (b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2", media.MP4),
        (b"\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00qt  ", media.QUICKTIME),
        (planted.docx_channels()["visible-body"], media.DOCX),
        (_zip("[Content_Types].xml", "xl/workbook.xml"), media.XLSX),
        (_zip("a.txt"), media.ZIP),
        (planted.email_channels()["base64-body"][0], media.EML),
        ("Справка о прохождении службы\n".encode(), media.TEXT),
        (b"\x00\x01\x02binary", media.OCTET_STREAM),
        (b"", media.OCTET_STREAM),
    ],
)
def test_sniffing(data: bytes, expected: str) -> None:
    assert sniff_media_type(data[: media.SNIFF_BYTES]) == expected


def test_odt_is_recognised_by_its_mimetype_member() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<x/>")
    assert sniff_media_type(buffer.getvalue()) == media.ODT


def test_text_cut_inside_a_cyrillic_letter_is_still_text() -> None:
    text = ("Мать: " * 50).encode()
    assert sniff_media_type(text[:101]) == media.TEXT


@given(st.binary(max_size=512))
def test_sniffing_never_fails(data: bytes) -> None:
    assert isinstance(sniff_media_type(data), str)
