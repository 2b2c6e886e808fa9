"""Media types from content, never from file names (a name can lie, and is itself a secret)."""

from __future__ import annotations

import re

OCTET_STREAM = "application/octet-stream"
PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
GIF = "image/gif"
WEBP = "image/webp"
TIFF = "image/tiff"
HEIC = "image/heic"
MP4 = "video/mp4"
QUICKTIME = "video/quicktime"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
ZIP = "application/zip"
EML = "message/rfc822"
TEXT = "text/plain"

#: Pictures papka decodes, redacts and sanitises (HEIC needs a plug-in papka does not ship).
PICTURES = frozenset({JPEG, PNG, GIF, WEBP, TIFF})

#: How many leading bytes sniff_media_type wants to see (ZIP member names can sit a little in).
SNIFF_BYTES = 8192

_IMAGE_TYPES = PICTURES | {HEIC}
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif"}
_EMAIL_HEADER = re.compile(
    rb"^(?:received|return-path|from|to|subject|date|message-id|mime-version|delivered-to"
    rb"|x-[a-z0-9-]+|reply-to|cc|dkim-signature|arc-[a-z-]+|authentication-results)"
    rb"[ \t]*:",
    re.IGNORECASE,
)


_EXTENSIONS = {
    "application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png", "image/gif": "gif",
    "image/webp": "webp", "image/tiff": "tif", "image/heic": "heic", "video/mp4": "mp4",
    "video/quicktime": "mov", "message/rfc822": "eml", "text/plain": "txt",
    "application/zip": "zip",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
}


def extension_for(media_type: str) -> str:
    """The usual file-name extension for a media type, without the dot (\"bin\" if unknown)."""
    return _EXTENSIONS.get(media_type, "bin")


def is_image(media_type: str) -> bool:
    return media_type in _IMAGE_TYPES


def _sniff_zip(head: bytes) -> str:
    # OpenDocument stores its media type uncompressed as the first member, by the spec.
    if head[30:38] == b"mimetype":
        if b"application/vnd.oasis.opendocument.text" in head[38:120]:
            return ODT
        if b"application/vnd.oasis.opendocument.spreadsheet" in head[38:120]:
            return ODS
    if b"word/" in head:
        return DOCX
    if b"xl/" in head:
        return XLSX
    if b"ppt/" in head:
        return PPTX
    return ZIP


def _sniff_iso_bmff(head: bytes) -> str | None:
    if head[4:8] != b"ftyp":
        return None
    major = head[8:12]
    size = int.from_bytes(head[0:4], "big")
    brands = {major} | {head[i : i + 4] for i in range(16, min(size, len(head), 64), 4)}
    if major in _HEIF_BRANDS or (brands & _HEIF_BRANDS and major not in {b"qt  ", b"isom"}):
        return HEIC
    if major == b"qt  ":
        return QUICKTIME
    return MP4


def _looks_like_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the end of the sniffed window is still text.
        if error.start < len(head) - 4:
            return False
    return True


def _looks_like_email(head: bytes) -> bool:
    lines = head.split(b"\n", 40)[:40]
    headers = 0
    for line in lines:
        line = line.rstrip(b"\r")
        if not line:
            break
        if line[:1] in (b" ", b"\t"):
            continue
        if _EMAIL_HEADER.match(line):
            headers += 1
        elif b":" not in line.split(b" ", 1)[0] and not line.startswith(b"From "):
            return False
    return headers >= 2


def sniff_media_type(head: bytes) -> str:
    """The media type of a file from its first bytes (SNIFF_BYTES are enough).

    Returns "application/octet-stream" for anything it does not recognise.
    """
    if head.startswith(b"%PDF-") or b"%PDF-" in head[:1024]:
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return TIFF
    bmff = _sniff_iso_bmff(head)
    if bmff is not None:
        return bmff
    if head[:4] == b"PK\x03\x04":
        return _sniff_zip(head)
    if _looks_like_text(head):
        return EML if _looks_like_email(head) else TEXT
    return OCTET_STREAM
