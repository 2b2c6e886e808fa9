"""DOCX and e-mail: secrets in every hiding place are found before and gone after burning.

Both become a burned PDF of what a reader sees, plus a text version with withheld parts marked.
"""

from __future__ import annotations

import pytest

from papka import media
from papka.formats import plan_redaction, redact
from papka.formats.burn import WITHHELD
from papka.formats.docx import visible_blocks
from papka.formats.email import html_visible_text
from papka.formats.verify import verify, verify_text
from tests.conftest import require_tool
from tests.formats import planted

DOCX = planted.docx_channels()
EMAIL = planted.email_channels()
DOCX_SECRETS = [planted.NAME, planted.NAME_LATIN, planted.UNIT]


@pytest.mark.parametrize("channel", sorted(DOCX))
def test_docx_verify_finds_the_planted_secret(channel: str) -> None:
    assert not verify(DOCX[channel], media.DOCX, DOCX_SECRETS, ocr=False).ok


@pytest.mark.parametrize("channel", sorted(DOCX))
def test_docx_burned_copy_is_clean_and_keeps_the_rest(channel: str) -> None:
    redacted = redact(DOCX[channel], media.DOCX, preset=None, hide=DOCX_SECRETS, ocr=False,
                      dpi=72)
    assert redacted.media_type == media.PDF
    assert verify(redacted.data, media.PDF, DOCX_SECRETS, ocr=False).ok
    assert redacted.text is not None
    assert verify_text(redacted.text, DOCX_SECRETS).ok
    assert planted.KEEP in redacted.text


def test_docx_visible_text_follows_what_word_shows() -> None:
    texts = {name: "\n".join(b.text for b in visible_blocks(data)) for name, data in DOCX.items()}
    assert planted.NAME not in texts["tracked-deletion"]
    assert planted.NAME not in texts["hidden-text"]
    assert planted.NAME not in texts["comment"]
    assert planted.NAME in texts["header"]  # a header is printed: it is burned, not dropped
    assert planted.NAME in texts["visible-body"]


def test_docx_visible_secret_is_painted_over_and_marked_in_the_text() -> None:
    require_tool("tesseract")
    plan = plan_redaction(DOCX["visible-body"], media.DOCX, preset=None, hide=[planted.NAME],
                          ocr=False)
    assert len(plan.boxes()) == 1
    redacted = redact(DOCX["visible-body"], media.DOCX, preset=None, hide=[planted.NAME],
                      ocr=False, dpi=150)
    assert redacted.text is not None and WITHHELD in redacted.text
    assert planted.PHONE in redacted.text  # not on the list: not withheld
    assert verify(redacted.data, media.PDF, [planted.NAME], ocr=True).ok
    assert "pdf-ocr" in verify(redacted.data, media.PDF, [planted.KEEP], ocr=True).failures


@pytest.mark.parametrize("channel", sorted(EMAIL))
def test_email_verify_finds_the_planted_secret(channel: str) -> None:
    data, secret = EMAIL[channel]
    assert not verify(data, media.EML, [secret], ocr=False).ok


@pytest.mark.parametrize("channel", sorted(EMAIL))
def test_email_burned_copy_is_clean_and_keeps_the_rest(channel: str) -> None:
    data, secret = EMAIL[channel]
    redacted = redact(data, media.EML, preset=None, hide=[secret], ocr=False, dpi=72)
    assert verify(redacted.data, media.PDF, [secret], ocr=False).ok
    assert redacted.text is not None
    assert verify_text(redacted.text, [secret]).ok
    assert planted.KEEP in redacted.text


def test_hidden_html_is_not_shown() -> None:
    html = ('<p>Видно</p><div style="display: none">скрыто1</div><p hidden>скрыто2</p>'
            '<span style="font-size:0">скрыто3</span><script>скрыто4</script><p>тоже видно</p>')
    text = html_visible_text(html)
    assert "Видно" in text and "тоже видно" in text
    assert "скрыто" not in text


def test_docx_picture_text_is_read_by_ocr() -> None:
    require_tool("tesseract")
    import io

    import docx

    document = docx.Document()
    document.add_paragraph(planted.KEEP)
    document.add_picture(io.BytesIO(planted.png(planted.picture(secret=planted.NAME))))
    buffer = io.BytesIO()
    document.save(buffer)
    outcome = verify(buffer.getvalue(), media.DOCX, [planted.NAME], ocr=True)
    assert "docx-image-ocr" in outcome.failures
    # Pictures are not carried into the burned copy, so the name is gone from it.
    redacted = redact(buffer.getvalue(), media.DOCX, preset=None, hide=[planted.NAME], ocr=True,
                      dpi=100)
    assert verify(redacted.data, media.PDF, [planted.NAME], ocr=True).ok


def test_a_malformed_address_header_is_still_shown_and_redacted() -> None:
    """Found by coverage-guided fuzzing: the standard library's address parser raised
    AttributeError on this From header; papka now falls back to the raw header text, so the name
    in it is still rendered, found and burned."""
    from papka.formats.email import visible_blocks as email_blocks

    message = ("From: ViFrom: Иванова Мария <ivanova-m;ria@example.org\r\n"
               "Subject: Spravka\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
               "Текст письма.\r\n").encode()
    shown = " ".join(block.text for block in email_blocks(message))
    assert "Иванова Мария" in shown
    result = redact(message, media.EML, preset=None, hide=["Иванова Мария"], ocr=False)
    assert verify(result.data, result.media_type, ["Иванова Мария"], ocr=False).ok
