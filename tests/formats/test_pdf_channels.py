"""A secret planted in every hiding place of a PDF is found before burning and gone after.

For each channel: verify() finds NAME in the original; redact() with the keeper's list returns a
copy in which verify() finds it nowhere; and KEEP, which was not to be hidden, is still readable
(by OCR of the burned pages).
"""

from __future__ import annotations

import io

import pikepdf
import pytest

from papka import media
from papka.formats import redact
from papka.formats.verify import verify
from tests.conftest import require_tool
from tests.formats import planted

CHANNELS = planted.pdf_channels()
SECRETS = [planted.NAME, planted.NAME_LATIN]


@pytest.mark.parametrize("channel", sorted(CHANNELS))
def test_verify_finds_the_planted_secret(channel: str) -> None:
    outcome = verify(CHANNELS[channel], media.PDF, SECRETS, ocr=False)
    assert not outcome.ok
    assert outcome.failures


@pytest.mark.parametrize("channel", sorted(CHANNELS))
def test_burned_copy_has_no_secret_and_keeps_the_rest(channel: str) -> None:
    require_tool("tesseract")
    redacted = redact(CHANNELS[channel], media.PDF, preset=None, hide=SECRETS, ocr=False,
                      dpi=100)
    assert redacted.media_type == media.PDF
    assert verify(redacted.data, media.PDF, SECRETS, ocr=False).ok
    kept = verify(redacted.data, media.PDF, [planted.KEEP], ocr=True)
    assert "pdf-ocr" in kept.failures  # the phrase not to hide is still on the page


def test_the_revision_channel_is_what_catches_an_incremental_update() -> None:
    outcome = verify(CHANNELS["incremental-revision"], media.PDF, SECRETS, ocr=False)
    assert outcome.failures == ["pdf-revisions"]


def test_burned_pdf_is_built_from_scratch() -> None:
    redacted = redact(CHANNELS["docinfo"], media.PDF, preset=None, hide=SECRETS, ocr=False,
                      dpi=72)
    with pikepdf.open(io.BytesIO(redacted.data)) as document:
        assert "/Info" not in document.trailer
        assert "/Metadata" not in document.Root
        assert set(document.Root.keys()) == {"/Type", "/Pages"}
        page = document.pages[0]
        assert set(page.obj.keys()) <= {"/Type", "/Parent", "/MediaBox", "/Resources",
                                        "/Contents"}
        assert list(page.obj.Resources.XObject.keys()) == ["/Im0"]
        assert "/Font" not in page.obj.Resources
    assert redacted.data.count(b"%%EOF") == 1
    with pikepdf.open(io.BytesIO(CHANNELS["docinfo"])) as original:
        original_id = bytes(original.trailer.ID[0])
    assert original_id not in redacted.data


def test_text_layer_from_ocr_of_redacted_pixels_only() -> None:
    require_tool("tesseract")
    source = planted.canvas_pdf(lambda page: page.drawString(72, 700, f"Мать: {planted.NAME}"))
    redacted = redact(source, media.PDF, preset=None, hide=[planted.NAME], ocr=False,
                      ocr_layer=True, dpi=150)
    # The searchable layer carries KEEP (found by the text extractors), never the secret.
    assert verify(redacted.data, media.PDF, [planted.NAME], ocr=False).ok
    kept = verify(redacted.data, media.PDF, [planted.KEEP], ocr=False)
    assert "pdfium-text" in kept.failures
