"""The fonts papka ships, so Cyrillic renders the same on every machine.

DejaVu Sans (regular and bold) from Debian's fonts-dejavu-core, and Tesseract's glyph-less font
for invisible text layers; licences in LICENSE.txt beside them.
"""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent

#: DejaVu Sans, regular weight: covers Cyrillic, Latin and the usual punctuation.
REGULAR: Path = _HERE / "DejaVuSans.ttf"
#: DejaVu Sans, bold weight.
BOLD: Path = _HERE / "DejaVuSans-Bold.ttf"
#: Tesseract's glyph-less font: one empty glyph, for text that is searched, never seen
#: (papka.formats.text_layer).
GLYPHLESS: Path = _HERE / "GlyphLessFont.ttf"
#: The licences the fonts are distributed under.
LICENSE: Path = _HERE / "LICENSE.txt"


def regular() -> Path:
    """Path of DejaVu Sans (regular)."""
    return REGULAR


def bold() -> Path:
    """Path of DejaVu Sans Bold."""
    return BOLD
