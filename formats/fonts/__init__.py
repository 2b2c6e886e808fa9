"""The fonts papka ships, so Cyrillic renders the same on every machine.

DejaVu Sans (regular and bold) from Debian's fonts-dejavu-core; licence in LICENSE.txt beside them.
"""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent

#: DejaVu Sans, regular weight: covers Cyrillic, Latin and the usual punctuation.
REGULAR: Path = _HERE / "DejaVuSans.ttf"
#: DejaVu Sans, bold weight.
BOLD: Path = _HERE / "DejaVuSans-Bold.ttf"
#: The licence the two fonts are distributed under.
LICENSE: Path = _HERE / "LICENSE.txt"


def regular() -> Path:
    """Path of DejaVu Sans (regular)."""
    return REGULAR


def bold() -> Path:
    """Path of DejaVu Sans Bold."""
    return BOLD
