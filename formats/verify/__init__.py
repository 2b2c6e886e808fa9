"""Independent verification: is any hidden string still anywhere in a file?

This package does not reuse the code that redacts. It looks at the output the way a recipient
with forensic tools would (threat A4): every text extractor at hand (pdfminer.six, pypdfium2),
every object and decoded stream in the raw PDF, every earlier revision (each %%EOF cut), the
metadata of every image, the bytes after an image's end, DOCX parts and e-mail parts, and
optionally OCR of the rendered pixels. Each secret is looked for in many forms: case, ё/е and
spacing folded; digits only (for numbers); and as bytes in UTF-8, UTF-16BE/LE, CP1251, KOI8-R,
hex and PDF string and name escapes.

Failures name channels only, never the string found.

The channels live in one module each (:mod:`.pdf_structure`, :mod:`.pictures`,
:mod:`.documents`, :mod:`.pages` for OCR) and are imported when a file of their kind is
checked, so importing this package stays cheap. None of them imports the planner or the burner
(tests/formats/test_verify.py checks that).
"""

from __future__ import annotations

from collections.abc import Sequence

from papka import media
from papka.formats import limits
from papka.formats.verify.needles import Needles, fold
from papka.formats.verify.report import Leak, Report, Verification

__all__ = ["Leak", "Needles", "Verification", "fold", "verify", "verify_text"]


def verify_text(text: str, secrets: Sequence[str]) -> Verification:
    """Check a plain text (such as the text version of a redacted DOCX or e-mail)."""
    report = Report(Needles(secrets))
    report.text("text", [text])
    return report.result()


def verify(data: bytes, media_type: str, secrets: Sequence[str], *, ocr: bool,
           gaps: bool = False, same_pages_as: bytes | None = None,
           expect_words: Sequence[int] = ()) -> Verification:
    """Look for every secret in every channel of a file; ok only if none is found anywhere.

    gaps: the file is a PDF that kept its text; also check the width channel at every box
    (:mod:`.gaps`: pdf-box-gap, pdf-box-text).
    same_pages_as: a PDF verified before (with OCR), of which this one must draw exactly the
    pages, with at most invisible text added (:mod:`.same_pages`: pdf-pages-changed); what
    OCR read there then holds for these pages.
    expect_words (with ocr; PDFs and pictures): per page, how many words OCR must read with
    confidence, at least; a page read with fewer fails the channel ocr-page-unread, after
    every view was tried (papka.formats.redaction asks for a quarter of the words planning read
    outside the boxes).
    """
    if same_pages_as is not None and media_type != media.PDF:
        raise ValueError("same_pages_as compares PDF pages only")
    # With no secrets, the structural checks (thumbnails, GPS, trailing data) still apply.
    report = Report(Needles(secrets))
    if media_type == media.PDF:
        from papka.formats.verify.pdf_structure import verify_pdf

        verify_pdf(report, data, ocr, expect_words)
        if same_pages_as is not None:
            from papka.formats.verify.same_pages import check_same_pages

            check_same_pages(report, same_pages_as, data)
        if gaps:
            from papka.formats.verify.gaps import verify_gaps

            verify_gaps(report, data)
    elif media_type in media.PICTURES:
        from papka.formats.verify.pictures import verify_image

        verify_image(report, data, media_type, ocr, expect_words)
    elif media_type == media.DOCX:
        from papka.formats.verify.documents import verify_docx

        verify_docx(report, data, ocr)
    elif media_type == media.EML:
        from papka.formats.verify.documents import verify_email

        verify_email(report, data)
    elif media_type == media.TEXT:
        report.bytes("text-bytes", [data])
        report.text("text", [data.decode("utf-8", errors="replace")])
    else:
        raise limits.UnsupportedFormatError("papka cannot verify this kind of file.")

    return report.result()
