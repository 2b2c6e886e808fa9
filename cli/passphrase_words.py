"""Passphrases of random words: six words from the EFF long word list, chosen with `secrets`.

7,776 words give log2(7776) ≈ 12.9 bits each, so six give about 77.5 bits: beyond any GPU farm
against papka's memory-hard KDF. The list and its licence: eff_large_wordlist.NOTICE.txt.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable, Sequence
from pathlib import Path

WORD_LIST = Path(__file__).resolve().parent / "eff_large_wordlist.txt"
WORD_COUNT = 6
#: The EFF long list has exactly this many words (6^5, five dice).
LIST_SIZE = 7776


@functools.cache
def words() -> tuple[str, ...]:
    """The word list, checked: a list that is short or has repeats would make weaker phrases."""
    listed = tuple(line.strip() for line in WORD_LIST.read_text(encoding="utf-8").splitlines()
                   if line.strip())
    if len(listed) != LIST_SIZE or len(set(listed)) != LIST_SIZE:
        raise RuntimeError("papka's word list is damaged; reinstall papka")
    return listed


def generate_passphrase(count: int = WORD_COUNT, *,
                        choice: Callable[[Sequence[str]], str] = secrets.choice) -> str:
    """``count`` words chosen independently and uniformly, joined by spaces."""
    return " ".join(choice(words()) for _ in range(count))
