"""The printable index of a bundle: one PDF, in Russian and English, that a lawyer or a consular
officer can print and file. It lists every document with its hash, what was withheld by category,
the signer's fingerprint, and a QR code of the manifest's SHA-256, which ties the paper to the
signed manifest (`papka bundle verify` prints the same hash)."""

from __future__ import annotations

import io
from collections.abc import Mapping

import segno
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import KeepTogether

from papka.formats import fonts
from papka.formats.bundle.fingerprint import Fingerprint
from papka.formats.bundle.manifest import Manifest

_REGULAR = "PapkaDejaVuSans"
_BOLD = "PapkaDejaVuSans-Bold"


def _register_fonts() -> None:
    if _REGULAR in pdfmetrics.getRegisteredFontNames():
        return
    pdfmetrics.registerFont(TTFont(_REGULAR, str(fonts.regular())))
    pdfmetrics.registerFont(TTFont(_BOLD, str(fonts.bold())))


class _QRCode(Flowable):  # type: ignore[misc]
    """A QR code drawn as vector squares: no image file, no temporary file."""

    def __init__(self, text: str, size: float) -> None:
        super().__init__()
        self._matrix = [list(row) for row in segno.make(text, error="m").matrix]
        self.width = self.height = size

    def draw(self) -> None:
        count = len(self._matrix) + 8  # four modules of quiet zone on each side
        module = self.width / count
        self.canv.setFillColor(colors.black)
        for y, row in enumerate(self._matrix):
            for x, dark in enumerate(row):
                if dark:
                    self.canv.rect(
                        (x + 4) * module,
                        self.height - (y + 5) * module,
                        module,
                        module,
                        stroke=0,
                        fill=1,
                    )


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _withheld(redaction: Mapping[str, int] | None) -> str:
    if redaction is None:
        return "ничего (оригинал, без изменений) / nothing (original, unchanged)"
    if not redaction:
        return "обработан, ничего не скрыто / processed, nothing withheld"
    return ", ".join(f"{category}: {count}" for category, count in sorted(redaction.items()))


def render_index(manifest: Manifest, manifest_sha256: str, fingerprint: Fingerprint) -> bytes:
    """The index PDF for ``manifest``, built in memory. Deterministic for the same inputs."""
    _register_fonts()
    normal = ParagraphStyle("normal", fontName=_REGULAR, fontSize=9, leading=11)
    small = ParagraphStyle("small", fontName=_REGULAR, fontSize=7, leading=8.5)
    heading = ParagraphStyle("heading", fontName=_BOLD, fontSize=15, leading=19)
    bold = ParagraphStyle("bold", fontName=_BOLD, fontSize=9, leading=11)

    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title="Опись документов / Index of documents",
        author="",
        subject="",
        creator="papka",
        producer="papka",
        invariant=1,
    )
    story: list[Flowable] = [
        Paragraph("Опись документов / Index of documents", heading),
        Spacer(1, 4 * mm),
        Paragraph(f"Создано / Created: {manifest.created}", normal),
    ]
    if manifest.sender:
        story.append(Paragraph(f"Отправитель / Sender: {_escape(manifest.sender)}", normal))
    story += [
        Paragraph("Подпись / Signer key fingerprint:", bold),
        Paragraph(f"{fingerprint.openssh}", normal),
        Paragraph(f"{fingerprint.spoken}", normal),
        Paragraph("SHA-256 манифеста / of the manifest (QR):", bold),
        Paragraph(manifest_sha256, normal),
        Spacer(1, 2 * mm),
        _QRCode(manifest_sha256, 38 * mm),
        Spacer(1, 4 * mm),
    ]
    rows: list[list[Flowable | str]] = [
        [
            Paragraph("№", bold),
            Paragraph("Документ / Document", bold),
            Paragraph("Размер / Size · SHA-256", bold),
            Paragraph("Скрыто / Withheld", bold),
        ]
    ]
    for number, f in enumerate(manifest.files, start=1):
        rows.append(
            [
                Paragraph(str(number), normal),
                Paragraph(
                    f"{_escape(f.title)}<br/><font size=7>{f.kind} · {f.name}</font>", normal
                ),
                Paragraph(f"{_human_size(f.size)}<br/>{_grouped(f.sha256)}", small),
                Paragraph(_escape(_withheld(f.redaction)), small),
            ]
        )
    table = Table(rows, colWidths=[9 * mm, 72 * mm, 52 * mm, 47 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
            ]
        )
    )
    story += [
        table,
        Spacer(1, 6 * mm),
        KeepTogether(
            [
                Paragraph(
                    "Проверка: papka bundle verify, или ssh-keygen -Y verify "
                    "(пространство имён papka-bundle-v1) для manifest.json. / "
                    "To check: papka bundle verify, or ssh-keygen -Y verify "
                    "(namespace papka-bundle-v1) on manifest.json.",
                    small,
                )
            ]
        ),
    ]
    document.build(story)
    return out.getvalue()


def _grouped(sha256: str) -> str:
    """Groups of 16 hex digits, which wrap at the spaces and are easy to compare by eye."""
    return " ".join(sha256[i : i + 16] for i in range(0, len(sha256), 16))


def _human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"
