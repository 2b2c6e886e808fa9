"""DOCX and e-mail: every part decompressed or decoded, text with markup removed, headers, and
the pictures inside.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from email.message import Message

from papka import media
from papka.formats import limits
from papka.formats import ocr as ocr_engine
from papka.formats.verify.pictures import embedded_jpeg, image_metadata
from papka.formats.verify.report import Report

_TAG = re.compile(rb"<[^>]*>")


def verify_docx(report: Report, data: bytes, ocr: bool) -> None:
    from papka.formats.docx import read_package

    report.bytes("docx-bytes", [data])
    package = read_package(data)
    for name, content in package.parts.items():
        report.bytes("docx-parts", [content, name.encode("utf-8", "replace")])
        if name.endswith((".xml", ".rels")):
            # Text split across runs joins up once the markup is gone.
            report.text("docx-text", [_TAG.sub(b"", content).decode("utf-8", "replace")])
        kind = media.sniff_media_type(content[: media.SNIFF_BYTES])
        if kind in (media.JPEG, media.PNG):
            facts = image_metadata(content)
            report.text("docx-image-metadata", facts.texts)
            report.bytes("docx-image-metadata", facts.blobs)
            if facts.gps:
                report.fail("docx-image-gps")
            if kind == media.JPEG and embedded_jpeg(content):
                report.fail("docx-image-thumbnail")
            if ocr:
                from papka.formats.image import load

                try:
                    picture = load(content)
                except limits.HostileInputError:
                    report.fail("docx-image-unreadable")
                    continue
                report.text("docx-image-ocr", [ocr_engine.read_text(picture, dpi=300)])


def verify_email(report: Report, data: bytes) -> None:
    from papka.formats.email import DamagedEmailError, iter_parts, parse

    report.bytes("email-bytes", [data])
    message = parse(data)
    try:
        _email_parts(report, iter_parts(message))
    except (ValueError, TypeError, IndexError, LookupError, AttributeError,
            AssertionError) as error:
        raise DamagedEmailError() from error


def _email_parts(report: Report, parts: Iterable[Message]) -> None:
    for part in parts:
        headers = []
        for name, value in part.items():
            headers.append(f"{name}: {value}")
        report.text("email-headers", headers)
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            report.bytes("email-parts", [payload])
            charset = part.get_content_charset() or "utf-8"
            try:
                decoded = payload.decode(charset, errors="replace")
            except LookupError:
                decoded = payload.decode("utf-8", errors="replace")
            report.text("email-parts", [decoded, _TAG.sub(b"", payload).decode(
                charset if charset else "utf-8", errors="replace") if charset else ""])
