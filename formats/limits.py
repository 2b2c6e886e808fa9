"""Caps that keep hostile files (threat A5) from exhausting memory or time.

Every parser in papka.formats checks these before it does real work, and turns a breach into
one of the errors below: one clear sentence, never the file's contents or name.
"""

from __future__ import annotations

from papka.errors import DamagedError, PapkaError, UsageError

#: Largest input papka reads into memory for redaction or sanitising.
MAX_INPUT_BYTES = 256 * 1024 * 1024
#: Largest image, in pixels, papka decodes (an A4 page at 600 dpi is about 35 megapixels).
MAX_IMAGE_PIXELS = 120_000_000
#: Most pages papka redacts in one PDF.
MAX_PAGES = 2000
#: Largest page side in points (200 inches, the PDF 1.7 default user space limit).
MAX_PAGE_SIDE_PT = 14_400.0
#: Largest decoded size of one PDF stream read while verifying or sanitising.
MAX_STREAM_BYTES = 64 * 1024 * 1024
#: Largest total decoded size of all PDF streams read for one verification.
MAX_TOTAL_STREAM_BYTES = 1024 * 1024 * 1024
#: Most incremental revisions (%%EOF markers) papka inspects one by one.
MAX_REVISIONS = 64
#: Seconds one Tesseract run may take before it is stopped.
OCR_TIMEOUT_S = 120.0
#: Largest DOCX part or e-mail part, decompressed.
MAX_PART_BYTES = 64 * 1024 * 1024
#: Most parts papka reads from a DOCX archive or an e-mail.
MAX_PARTS = 2000


class HostileInputError(PapkaError):
    """The file is damaged, encrypted, or bigger than papka is willing to handle: a family that
    spans categories (damaged data exits 2, an encrypted or too large file 1), never raised
    itself."""

    default_message = "This file is damaged or not in a format papka handles."


class DamagedPdfError(HostileInputError, DamagedError):
    default_message = "This PDF is damaged or not a PDF."


class EncryptedPdfError(HostileInputError, UsageError):
    default_message = "This PDF is encrypted; papka needs a copy without a password."
    hint = "Open it with its password in a PDF reader and print it to a new PDF."


class DamagedImageError(HostileInputError, DamagedError):
    default_message = "This image is damaged or not an image."


class TooLargeError(HostileInputError, UsageError):
    default_message = "This file is larger than papka handles."


class UnsupportedFormatError(UsageError):
    default_message = "papka cannot redact or sanitise this kind of file."


def image_too_large(pixels: int) -> TooLargeError:
    megapixels = max(1, round(pixels / 1_000_000))
    return TooLargeError(f"This image is larger than papka handles ({megapixels} megapixels).")


def check_input_size(data: bytes) -> None:
    if len(data) > MAX_INPUT_BYTES:
        raise TooLargeError(
            f"This file is larger than papka handles ({MAX_INPUT_BYTES // (1024 * 1024)} MiB)."
        )
