"""Typeset plain text blocks into a PDF with the bundled DejaVu fonts (reportlab).

DOCX files and e-mails are redacted by typesetting what a reader sees into a PDF, then burning
that PDF like any other. The output is deterministic (reportlab's invariant mode), so the plan
made on one rendering matches the burn made on the next.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from papka.formats import fonts

Kind = Literal["heading", "label", "body", "note"]


@dataclass(frozen=True)
class Block:
    """A paragraph of text and how it is shown."""

    text: str
    kind: Kind = "body"


_REGISTERED = False


def _register_fonts() -> None:
    global _REGISTERED
    if not _REGISTERED:
        pdfmetrics.registerFont(TTFont("PapkaSans", str(fonts.REGULAR)))
        pdfmetrics.registerFont(TTFont("PapkaSans-Bold", str(fonts.BOLD)))
        _REGISTERED = True


_STYLES = {
    "heading": ParagraphStyle("heading", fontName="PapkaSans-Bold", fontSize=13, leading=17,
                              spaceAfter=6),
    "label": ParagraphStyle("label", fontName="PapkaSans", fontSize=10, leading=14),
    "body": ParagraphStyle("body", fontName="PapkaSans", fontSize=11, leading=15, spaceAfter=5),
    "note": ParagraphStyle("note", fontName="PapkaSans", fontSize=9, leading=12,
                           textColor="#555555", spaceBefore=4),
}


def _markup(text: str) -> str:
    # Paragraph takes a small XML dialect: escape everything, keep line breaks and tabs visible.
    safe = escape(text.replace("\r\n", "\n").replace("\r", "\n"))
    safe = safe.replace("\t", "    ")
    return "<br/>".join(line if line.strip() else "&nbsp;" for line in safe.split("\n"))


def typeset(blocks: Sequence[Block]) -> bytes:
    """An A4 PDF of the blocks, one after another."""
    _register_fonts()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm,
        bottomMargin=18 * mm, invariant=1, title="", author="", subject="", creator="",
        producer="",
    )
    story: list[Paragraph | Spacer] = []
    for block in blocks:
        if block.text.strip():
            story.append(Paragraph(_markup(block.text), _STYLES[block.kind]))
        else:
            story.append(Spacer(1, 6))
    if not story:
        story.append(Spacer(1, 6))
    document.build(story)
    return buffer.getvalue()
