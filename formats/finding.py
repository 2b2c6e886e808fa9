"""Find what to hide in a page's text: the detectors plus the keeper's own list.

The detectors live in :mod:`papka.formats.detect`. The keeper's strings are also matched here
directly (case, ё/е and spacing ignored), so a string the keeper typed is always found where it
occurs literally, even if a detector is unavailable or misses it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

KEEPER_CATEGORY = "custom"
KEEPER_DETECTOR = "hide"


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    category: str
    detector: str
    text: str


def _fold(text: str) -> str:
    # One character in, one character out, so offsets stay valid.
    out = []
    for char in text:
        low = char.lower()
        low = low if len(low) == 1 else char
        out.append("е" if low == "ё" else low)
    return "".join(out)


def _keeper_pattern(secret: str) -> re.Pattern[str] | None:
    tokens = _fold(secret).split()
    if not tokens:
        return None
    body = r"[\s\u00ad-]*".join(re.escape(token) for token in tokens)
    # Whole words only at the ends: hiding "Ива" must not paint half of "Иванов".
    prefix = r"(?<!\w)" if tokens[0][0].isalnum() else ""
    suffix = r"(?!\w)" if tokens[-1][-1].isalnum() else ""
    return re.compile(prefix + body + suffix)


def _without_kinship_label(secret: str) -> str:
    # "мать: Кузнецова Анна" names a relative; the label itself is not a secret and must not
    # box the "Мать:" printed before her name.
    try:
        from papka.formats.detectors.name_forms import split_relative
    except ImportError:
        return secret
    return split_relative(secret)[0]


def keeper_spans(text: str, hide: Sequence[str]) -> list[Span]:
    folded = _fold(text)
    spans: list[Span] = []
    for secret in hide:
        pattern = _keeper_pattern(_without_kinship_label(secret))
        if pattern is None:
            continue
        for match in pattern.finditer(folded):
            spans.append(Span(match.start(), match.end(), KEEPER_CATEGORY, KEEPER_DETECTOR,
                              text[match.start() : match.end()]))
    return spans


def find_spans(text: str, *, preset: str | None, hide: Sequence[str],
               use_ner: bool) -> list[Span]:
    """Every span to hide in text: detector findings and the keeper's strings.

    With preset None, only the keeper's strings are matched (the detectors' "hide-only" preset:
    every grammatical case and Latin spellings), nothing is guessed.
    """
    literal = keeper_spans(text, hide)
    if preset is None and not hide:
        return literal
    try:
        from papka.formats.detect import detect
    except ImportError:
        return literal
    spans: list[Span] = []
    findings = detect(text, preset=preset or "hide-only", hide=tuple(hide),
                      use_ner=use_ner and preset is not None)
    for finding in findings:
        start, end = int(finding.start), int(finding.end)
        if 0 <= start < end <= len(text):
            spans.append(Span(start, end, str(finding.category), str(finding.detector),
                              text[start:end]))
    # The literal matches are a safety net: where a detector found an overlapping span, the two
    # merge (the detector's category kept); elsewhere the literal match stands on its own.
    for span in literal:
        for index, other in enumerate(spans):
            if other.start < span.end and span.start < other.end:
                start, end = min(other.start, span.start), max(other.end, span.end)
                spans[index] = Span(start, end, other.category, other.detector, text[start:end])
                break
        else:
            spans.append(span)
    return spans
