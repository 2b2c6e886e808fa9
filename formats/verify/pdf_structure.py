"""PDF: the raw file, every object and decoded stream, two text extractors, every earlier
revision, embedded JPEGs' metadata, and OCR of the rendered pages.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import zlib
from collections.abc import Sequence

import pikepdf
import pypdfium2 as pdfium

from papka.formats import limits
from papka.formats.verify.pages import pdf_read_pages
from papka.formats.verify.pictures import embedded_jpeg, image_metadata
from papka.formats.verify.report import Report

# pdfminer warns about odd fonts through Python's last-resort handler, which writes to stderr
# when the application configured no logging: papka's library never prints. Applications that
# configure logging still receive these records (a NullHandler does not stop propagation).
logging.getLogger("pdfminer").addHandler(logging.NullHandler())


def _decoded(stream: pikepdf.Stream, budget: list[int]) -> bytes:
    raw = stream.read_raw_bytes()
    filters = stream.get("/Filter")
    names = [str(f) for f in filters] if isinstance(filters, pikepdf.Array) else (
        [str(filters)] if filters is not None else [])
    if not names:
        decoded = raw
    elif names == ["/FlateDecode"]:
        inflater = zlib.decompressobj()
        try:
            decoded = inflater.decompress(raw, limits.MAX_STREAM_BYTES + 1)
        except zlib.error:
            decoded = raw
        if len(decoded) > limits.MAX_STREAM_BYTES:
            raise limits.TooLargeError("This PDF holds a stream larger than papka checks.")
    elif names[-1] in ("/DCTDecode", "/JPXDecode", "/JBIG2Decode", "/CCITTFaxDecode"):
        decoded = raw
    else:
        try:
            decoded = stream.read_bytes()
        except pikepdf.PdfError:
            decoded = raw
    budget[0] -= len(decoded)
    if budget[0] < 0:
        raise limits.TooLargeError("This PDF is larger than papka checks.")
    return decoded


def _walk(value: object, texts: list[str], blobs: list[bytes], budget: list[int],
          images: list[bytes], depth: int = 0) -> None:
    if depth > 64:
        return
    if isinstance(value, pikepdf.Stream):
        if value.get("/Subtype") == pikepdf.Name.Image:
            # Pixel samples are not text: their stored bytes are in the raw file (pdf-bytes),
            # what they show is read by OCR, and JPEG metadata is read from the stored bytes.
            raw = value.read_raw_bytes()
            if raw[:3] == b"\xff\xd8\xff":
                images.append(raw)
        else:
            blobs.append(_decoded(value, budget))
        _walk(value.stream_dict, texts, blobs, budget, images, depth + 1)
    elif isinstance(value, pikepdf.Dictionary):
        for key in list(value.keys()):
            name = str(key)
            texts.append(name)
            try:
                child = value.get(name)
            except (TypeError, ValueError, pikepdf.PdfError):
                # Verification fails closed: a dictionary papka cannot walk is not "clean".
                raise limits.DamagedPdfError() from None
            if isinstance(child, pikepdf.Object) and child.is_indirect:
                continue  # walked at the top level, once
            _walk(child, texts, blobs, budget, images, depth + 1)
    elif isinstance(value, pikepdf.Array):
        for child in value:
            if isinstance(child, pikepdf.Object) and child.is_indirect:
                continue
            _walk(child, texts, blobs, budget, images, depth + 1)
    elif isinstance(value, pikepdf.String):
        raw = bytes(value)
        blobs.append(raw)
        try:
            texts.append(str(value))
        except UnicodeDecodeError:       # not text in any PDF encoding: search its bytes as Latin-1
            texts.append(raw.decode("latin-1"))
    elif isinstance(value, pikepdf.Name):
        try:
            name = str(value)
        except UnicodeDecodeError:       # a name of bytes that are no text: keep its escaped form
            name = bytes(value.unparse()).decode("latin-1")
        texts.append(name)
        blobs.append(name.encode("latin-1", "replace"))


def _pdf_objects(data: bytes) -> tuple[list[str], list[bytes], list[bytes]]:
    texts: list[str] = []
    blobs: list[bytes] = []
    images: list[bytes] = []
    budget = [limits.MAX_TOTAL_STREAM_BYTES]
    try:
        with pikepdf.open(io.BytesIO(data)) as document:
            for obj in document.objects:
                _walk(obj, texts, blobs, budget, images)
            _walk(document.trailer, texts, blobs, budget, images)
    except pikepdf.PasswordError as error:
        raise limits.EncryptedPdfError() from error
    except (pikepdf.PdfError, UnicodeDecodeError) as error:
        # Fail closed: an object papka cannot read as a PDF object is not "verified clean".
        raise limits.DamagedPdfError() from error
    return texts, blobs, images


def _pdfium_text(data: bytes) -> list[str]:
    out: list[str] = []
    document = pdfium.PdfDocument(data)
    try:
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            out.append(textpage.get_text_range())
            textpage.close()
            page.close()
    finally:
        document.close()
    return out


def _pdfminer_text(data: bytes) -> str:
    from pdfminer.high_level import extract_text
    from pdfminer.layout import LAParams

    # all_texts: also analyse text inside figures (Form XObjects).
    return str(extract_text(io.BytesIO(data), laparams=LAParams(all_texts=True)))


def _revision_cuts(data: bytes) -> list[int]:
    cuts = [m.end() for m in re.finditer(rb"%%EOF", data)]
    tail = len(data.rstrip(b"\r\n\x00 \t"))
    return [cut for cut in cuts if cut < tail]


def verify_pdf(report: Report, data: bytes, ocr: bool, expect: Sequence[int] = ()) -> None:
    from papka.formats.pdf import check_pdf

    check_pdf(data)  # the same caps on pages and page sizes as for redaction
    report.bytes("pdf-bytes", [data])
    texts, blobs, images = _pdf_objects(data)
    report.text("pdf-objects", texts)
    report.bytes("pdf-streams", blobs)
    for jpeg in images:
        facts = image_metadata(jpeg)
        report.text("pdf-image-metadata", facts.texts)
        report.bytes("pdf-image-metadata", facts.blobs)
        if facts.gps:
            report.fail("pdf-image-gps")
        if embedded_jpeg(jpeg):
            report.fail("pdf-image-thumbnail")
    try:
        report.text("pdfium-text", _pdfium_text(data))
    except pdfium.PdfiumError:
        report.fail("pdfium-unreadable")
    try:
        report.text("pdfminer-text", [_pdfminer_text(data)])
    except Exception:  # noqa: BLE001 - any pdfminer failure means this channel is unchecked
        report.fail("pdfminer-unreadable")
    cuts = _revision_cuts(data)
    if len(cuts) > limits.MAX_REVISIONS:
        report.fail("pdf-revisions-too-many")
        cuts = cuts[-limits.MAX_REVISIONS :]
    for cut in cuts:
        prefix = data[:cut]
        try:
            old_texts, old_blobs, _ = _pdf_objects(prefix)
        except limits.HostileInputError:
            continue
        report.text("pdf-revisions", old_texts)
        report.bytes("pdf-revisions", old_blobs)
        with contextlib.suppress(pdfium.PdfiumError):
            report.text("pdf-revisions", _pdfium_text(prefix))
    if ocr:
        report.pages("pdf-ocr", pdf_read_pages(data, expect), expect)
