"""Find what identifies a person in the text of Russian papers: step 1 of redaction.

:func:`detect` runs the detector families in :mod:`papka.formats.detectors` over one text (a
PDF text layer, OCR output, a DOCX or an e-mail body) and returns sorted, non-overlapping
:class:`Finding` spans with exact character offsets, which the redaction plan maps to boxes on
pages. Detection only proposes: the keeper reviews every box before anything is exported.
What each detector finds and misses is in docs/detection.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from papka.errors import UsageError
from papka.formats.detectors import (
    Hit,
    addresses,
    identifiers,
    joined,
    links,
    named_entities,
    names,
)
from papka.formats.detectors.name_forms import forms_of, is_name_entry, link_keys

__all__ = ["CATEGORIES", "PRESETS", "Finding", "detect", "name_forms"]


@dataclass(frozen=True)
class Finding:
    """One span of the text to hide, and why.

    ``text`` is the matched text itself: it lives in memory only and must never be written to a
    log, an exception message or a file outside the container.
    """

    start: int
    end: int
    category: str
    detector: str
    text: str

    def __repr__(self) -> str:
        # The matched text stays out of reprs, so that a traceback or a log line cannot carry it.
        return (f"Finding(start={self.start}, end={self.end}, category={self.category!r}, "
                f"detector={self.detector!r})")


#: When spans of several categories overlap, the merged span takes the category that comes
#: first here: the keeper's own list, then identifiers whose shape or checksum is specific,
#: then the guesses (addresses, NER, dates).
_SPECIFICITY: tuple[str, ...] = (
    "keeper-name",
    "relative",
    "custom",
    "passport-ru-internal",
    "passport-ru-foreign",
    "military-id",
    "snils",
    "inn",
    "military-unit",
    "case-number",
    "email",
    "social",
    "phone",
    "gps",
    "birth-date",
    "address",
    "person",
    "place",
    "date",
)
CATEGORIES: frozenset[str] = frozenset(_SPECIFICITY)
_RANK = {category: rank for rank, category in enumerate(_SPECIFICITY)}

PRESETS: Mapping[str, frozenset[str]] = MappingProxyType({
    # Everything that points at a person, his family or where they live. Plain dates (of a
    # summons, of a court decision), place names (the city of the court, of the unit) and the
    # case's number stay: they are the story the embassy or the journalist has to verify.
    "ru-personal": CATEGORIES - {"date", "place", "case-number"},
    # Also every date, place name and case number: for a journalist's copy where even the
    # timeline, the towns and a court register's card could identify the keeper.
    "ru-strict": CATEGORIES,
    # Only what the keeper listed himself (hide=...), nothing guessed.
    "hide-only": frozenset({"keeper-name", "relative", "custom"}),
})


def detect(text: str, *, preset: str = "ru-personal", hide: Sequence[str] = (),
           use_ner: bool = True) -> list[Finding]:
    """The spans of ``text`` to hide under ``preset``, sorted and non-overlapping.

    ``hide`` is the keeper's own list: names are matched in every grammatical case (Иванова,
    Ивановой, Иванову), case-insensitively, with ё = е, and in Latin spellings (Ivanova,
    Ivanovoi); entries with digits or other signs are matched as strings, digits allowed to be
    spaced differently. ``use_ner`` adds natasha's person and place names (its models load once
    per process, about half a second). Overlapping spans merge into one covering all of them,
    with the category of the most specific detector. Raises UsageError for an unknown preset.
    """
    categories = PRESETS.get(preset)
    if categories is None:
        raise UsageError(
            "Unknown redaction preset.",
            hint="Use one of: " + ", ".join(sorted(PRESETS)) + ".",
        )
    if isinstance(hide, str):
        raise UsageError("The list of strings to hide must be a list, not a single string.")
    name_entries = [entry for entry in hide if is_name_entry(entry)]
    other_entries = [entry for entry in hide if not is_name_entry(entry)]

    def shaped(view: str) -> Iterator[Hit]:
        # What has a shape: run on the text as it is, and again with letter-per-cell runs
        # closed up and line-break hyphens removed (the joined view).
        yield from identifiers.phones(view)
        yield from identifiers.documents(view)
        yield from identifiers.tax_numbers(view)
        yield from identifiers.emails(view)
        yield from identifiers.coordinates(view)
        yield from identifiers.dates(view)
        yield from addresses.addresses(view)
        yield from addresses.bare_addresses(view)
        yield from addresses.labelled_settlements(view)
        yield from addresses.english_addresses(view)
        yield from names.keeper_names(view, name_entries)
        yield from names.custom_strings(view, other_entries)

    hits: list[Hit] = list(shaped(text))
    alike = ocr_look_alikes(text)
    if alike != text:
        # The same length: the hits' offsets are the text's own.
        hits.extend(shaped(alike))
        if "person" in categories:
            hits.extend(names.latin_names(alike))
            hits.extend(names.after_kinship_labels(alike))
            hits.extend(names.with_initials(alike))
    hits.extend(joined.joined_hits(text, shaped))
    hits.extend(links.social_links(text))
    in_links = list(links.names_in_links(text, link_keys(name_entries)))
    if in_links:
        # A name inside a link is judged with the whole link (whose it is), not as a word.
        hits = [hit for hit in hits if not (
            hit.detector == "keeper-names"
            and any(link.start <= hit.start and hit.end <= link.end for link in in_links))]
        hits.extend(in_links)
    if "person" in categories:
        hits.extend(names.latin_names(text))
        hits.extend(names.after_kinship_labels(text))
        hits.extend(names.with_initials(text))
    if use_ner and ({"person", "place"} & categories):
        hits.extend(named_entities.named_entities(text))
    return _merged(text, (hit for hit in hits if hit.category in categories))


# What OCR of a blurred photo puts for a digit or a sign, each replaced by one character so that
# offsets stay: an English asylum letter out of focus read «75 4815162» as "7$ 4815162",
# «54321» as "$4321", «+374» as "#374" and «proton.me» as "proton me", and the copy passed
# with all four readable (docs/detection.md).
_DOLLAR_DIGIT = re.compile(r"\$(?=\d)|(?<=\d)\$")
_O_BETWEEN_DIGITS = re.compile(r"(?<=\d)[OoОо](?=\d)")
_HASH_PLUS = re.compile(r"(?<![\w#])#(?=\d{1,3}[ \t(]?\d)")
# A Latin first name's capital I read as a small l before a capitalised word: "His brother
# lurii Kravchishin" for «Iurii» on a sharp photo, and no rule took the name.
_L_FOR_CAPITAL_I = re.compile(r"(?<![\w.@/-])l(?=[a-z]{2,}[ \t]+[A-Z][a-z])")
# Two decimal degrees whose comma OCR read as a full stop, and perhaps the second's point as a
# space: "56.8587. 35 9176" and, on a noisy photo at an angle, "56.8587. 35.9176" for
# «56.8587, 35.9176» (the coordinates of the mother's home stayed readable).
_DEGREES_MISREAD = re.compile(
    r"(?<![\d.,])(\d{1,3}[.,]\d{3,8})\. (\d{1,3})[ .](\d{3,8})(?![\d.,]\d)")
_TOP_LEVEL = r"(?:com|ru|me|org|net|fr|am|ge|kz|de|eu|info|io|by|ua)\b"
_SPACED_TOP_LEVEL = re.compile(rf"(@[\w\-]+(?:\.[\w\-]+)*) (?={_TOP_LEVEL})")
# An e-mail whose "@" OCR lost with the letters round it: a photo of the medical certificate
# in 24 px type read «dr.petrenko@gb7-rostov.ru» as "dr.p gb7-rostov.ru". The space between a
# Latin word with a full stop, "_" or a digit inside (as addresses' names have, and English
# words have not) and a domain stands for the "@".
_LOST_AT = re.compile(
    r"(?<![\w@.\-])([A-Za-z][\w.%+\-]*) "
    rf"(?=[A-Za-z\d][\w\-]*(?:\.[\w\-]+)*\.{_TOP_LEVEL}(?!@))", re.ASCII)
_NAME_SIGN = re.compile(r"[._\d]")
# A day of the month read as letters before the month and the year: a sideways photo of a
# criminal case read «03 июня 2001 года рождения» as "ОЗ июня 2001", and the day and the month
# of the birth date stayed readable.
_DAY_AS_LETTERS = re.compile(
    r"(?<![\w.])([0-9ОOоЗзбlI|]{1,2})(?=[ \t]+(?i:января|февраля|марта|апреля|мая|июня|июля|"
    r"августа|сентября|октября|ноября|декабря)[ \t]+\d{4}(?!\d))")
_DIGIT_FOR = str.maketrans("ОOоЗзбlI|", "000336111")


def _day(match: re.Match[str]) -> str:
    return match[1].translate(_DIGIT_FOR)


def _lost_at(match: re.Match[str]) -> str:
    name = match[1]
    # Checked here, not in the pattern, so that a long run of such signs is read once.
    if name[-1].isalnum() and _NAME_SIGN.search(name, 1):
        return name + "@"
    return match[0]


def ocr_look_alikes(text: str) -> str:
    """The text with OCR's usual stand-ins for digits and signs put back, character for
    character: "$" beside a digit and "O" between digits as the digits they stand for, "#" before
    a country code as "+", a small "l" opening a word before a capitalised one as the capital
    "I" it stands for, letters standing for a day's digits before a month and a year ("ОЗ июня
    2001"), a space before an e-mail domain's top-level name as ".", a pair of
    decimal degrees with its comma read as a full stop and its second point as a space, a
    space between a name with a full stop, "_" or a digit in it and a domain as the "@".
    Detection runs on it as well as on the text."""
    text = _DOLLAR_DIGIT.sub("5", text)
    text = _O_BETWEEN_DIGITS.sub("0", text)
    text = _HASH_PLUS.sub("+", text)
    text = _L_FOR_CAPITAL_I.sub("I", text)
    text = _DAY_AS_LETTERS.sub(_day, text)
    text = _DEGREES_MISREAD.sub(lambda match: f"{match[1]}, {match[2]}.{match[3]}", text)
    text = _LOST_AT.sub(_lost_at, text)
    return _SPACED_TOP_LEVEL.sub(lambda match: match[1] + ".", text)


def _merged(text: str, hits: Iterable[Hit]) -> list[Finding]:
    findings: list[Finding] = []
    cluster: list[Hit] = []
    cluster_end = -1
    for hit in sorted(h for h in hits if 0 <= h.start < h.end <= len(text)):
        if cluster and hit.start >= cluster_end:
            findings.append(_one_finding(text, cluster))
            cluster = []
        cluster.append(hit)
        cluster_end = max(cluster_end, hit.end) if len(cluster) > 1 else hit.end
    if cluster:
        findings.append(_one_finding(text, cluster))
    return findings


def _one_finding(text: str, cluster: list[Hit]) -> Finding:
    start = min(hit.start for hit in cluster)
    end = max(hit.end for hit in cluster)
    chosen = min(cluster, key=lambda hit: (_RANK[hit.category], -(hit.end - hit.start)))
    return Finding(start, end, chosen.category, chosen.detector, text[start:end])


def name_forms(name: str) -> set[str]:
    """All forms (folded: lower case, ё → е) under which one ``hide`` entry is matched.

    For a name: every grammatical case of each word (a surname in both genders and the plural,
    a first name or patronymic in its own gender) and the Latin spellings of each form.
    """
    return forms_of(name)
