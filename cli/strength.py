"""A small, deliberately pessimistic estimate of how hard a passphrase is to guess.

Each run of letters counts as one word from a large list (at most about 12.9 bits, the entropy
of a word picked at random from a 7,776-word diceware list), because people build passphrases
from real words; digits and symbols add their own few bits. A random string of letters is
therefore underrated, never overrated. Six random words give about 77 bits.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .i18n import N_

WORD_BITS = math.log2(7776)
_LETTER_RUN = re.compile(r"[^\W\d_]+")
_LATIN_OR_CYRILLIC_LOWER_BITS = math.log2(33)

#: (upper bound in bits, label): the label of the first bound the estimate stays below.
LEVELS = (
    (40.0, N_("weak")),
    (60.0, N_("fair")),
    (float("inf"), N_("strong")),
)


@dataclass(frozen=True)
class Strength:
    bits: float
    words: int
    label: str  # an untranslated msgid from LEVELS

    @property
    def weak(self) -> bool:
        return self.bits < LEVELS[0][0]


def estimate(passphrase: str) -> Strength:
    """Estimate the guessing entropy of ``passphrase`` in bits (a pessimistic figure)."""
    bits = 0.0
    runs = _LETTER_RUN.findall(passphrase)
    for run in runs:
        # A short run is cheaper to guess letter by letter than as a word.
        bits += min(WORD_BITS, len(run) * _LATIN_OR_CYRILLIC_LOWER_BITS)
        if any(c.isupper() for c in run[1:]):
            bits += 1.0
    rest = _LETTER_RUN.sub(" ", passphrase)
    digits = [c for c in rest if c.isdigit()]
    symbols = [c for c in rest if not c.isdigit() and not c.isspace()]
    bits += len(digits) * math.log2(10)
    bits += len(symbols) * 5.0
    # Repeating the same word adds nothing for an attacker who tries repeats.
    if runs and len({r.lower() for r in runs}) < len(runs):
        bits -= WORD_BITS * (len(runs) - len({r.lower() for r in runs}))
    bits = max(bits, 0.0)
    label = next(name for bound, name in LEVELS if bits < bound)
    return Strength(bits=bits, words=len(runs), label=label)
