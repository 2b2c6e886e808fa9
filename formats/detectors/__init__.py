"""The detector families behind :func:`papka.formats.detect.detect`, one module per family.

- :mod:`.identifiers`: numbers with a fixed shape or a checksum (phones, passports, military
  IDs and units, INN, SNILS, e-mail, GPS, dates);
- :mod:`.addresses`: Russian postal addresses and settlements, addresses without street
  markers ("Тверь, Радищева 27-14") and in English translations;
- :mod:`.names`: the keeper's own list of names, told apart from his relatives, and Russian
  names in Latin letters; the forms each entry is matched in (every grammatical case, Latin
  letters: ICAO, BGN, informal, French, German, Polish) come from :mod:`.name_forms`;
- :mod:`.named_entities`: person and place names found by natasha's offline NER;
- :mod:`.links`: web addresses, e-mail addresses and handles, whole, when they name a person;
- :mod:`.joined`: the text with letter-per-cell runs closed up and line-break hyphens removed,
  so that every detector also reads forms and broken lines.

Each detector yields :class:`Hit` values; ``detect`` filters them by preset and merges overlaps.
What each finds, and what it misses, is written down in docs/detection.md.
"""

from __future__ import annotations

from typing import NamedTuple


class Hit(NamedTuple):
    """One candidate span, before presets and merging."""

    start: int
    end: int
    category: str
    detector: str
