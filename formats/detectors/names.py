"""Names: the keeper's own list in every grammatical case and in Latin, and natasha's NER.

The keeper's list ("hide") is the most important detector: he knows whose names must not
reach an embassy or a journalist. Russian names change with case (Иванова, Ивановой, Иванову),
so every entry is inflected with pymorphy3 (its dictionary and its guesser for unknown
surnames) and every form is also matched in the Latin spellings of passports, visas and
letters (Ivanova, Ivanovoi, Iwanowa). Matching is by whole words, case-insensitive, ё = е,
across OCR hyphenation ("Ива-\\nнова") and stress marks.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from papka.formats.detectors import Hit
from papka.text import fold, transliterate, transliteration_variants

# A word as OCR and PDF extraction deliver it: letters with stress marks and apostrophes,
# possibly broken over a line with a hyphen or a soft hyphen.
_LETTERS = r"(?:[^\W\d_]|[\u0300-\u036f])+"
_WORD = re.compile(
    rf"{_LETTERS}(?:(?:['’ʹ]|-[ \t]*\r?\n[ \t]*|\u00ad(?:[ \t]*\r?\n[ \t]*)?){_LETTERS})*"
)
_BREAKS = re.compile(r"-[ \t]*\r?\n[ \t]*|\u00ad|['’ʹ]|[\u0300\u0301]")
# Initials next to a matched name: "Иванова М.П.", "М. П. Иванова".
_INITIALS_AFTER = re.compile(r"[ \t]*[А-ЯЁA-Z]\.(?:[ \t]?[А-ЯЁA-Z]\.)?")
_INITIALS_BEFORE = re.compile(r"[А-ЯЁA-Z]\.(?:[ \t]?[А-ЯЁA-Z]\.)?[ \t]*$")
# Between two matched words of one name: spaces, a line break, a hyphen (Петров-Водкин).
_NAME_GAP = re.compile(r"[ \t]*(?:\r?\n)?[ \t]*-?[ \t]*")
_NAME_GRAMMEMES = frozenset({"Surn", "Name", "Patr"})
# Latin spellings shorter than this collide with ordinary English words (Ян → "an").
_MIN_LATIN = 3
_MIN_CYRILLIC = 2


# OCR reads some Cyrillic letters as their Latin look-alikes inside a Cyrillic word ("Ивaнова"
# with a Latin "a"); in a word that mixes the two alphabets they are read back as Cyrillic.
_LOOKALIKES = str.maketrans("aeopcxykmthb", "аеорсхукмтнв")


def word_key(word: str) -> str:
    """How a word of the text is compared with a name form."""
    key = fold(_BREAKS.sub("", word))
    if _is_cyrillic(key) and any("a" <= ch <= "z" for ch in key):
        key = key.translate(_LOOKALIKES)
    return key


@functools.cache
def _morph() -> Any:
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


def _inflections(word: str) -> tuple[set[str], bool]:
    """All forms of one word, and whether it looks like a name (to be matched on its own)."""
    forms = {word}
    parses = _morph().parse(word)
    name_parses = [
        p for p in parses
        if _NAME_GRAMMEMES & p.tag.grammemes and p.tag.number != "plur"
    ]
    for parse in name_parses:
        surname = "Surn" in parse.tag.grammemes
        for form in parse.lexeme:
            # A surname covers the whole family (Иванов, Иванова, Ивановы); a first name or a
            # patronymic keeps its gender, so hiding "Петровна" does not hide "Петрович".
            if surname or (form.tag.gender == parse.tag.gender and form.tag.number != "plur"):
                forms.add(form.word)
    known = _morph().word_is_known(word)
    if not name_parses and parses and known:
        best = parses[0]
        forms.update(form.word for form in best.lexeme)
    if not name_parses and not known:
        forms |= _guessed_surname_forms(word)
    return forms, bool(name_parses) or not known


# Case endings for a surname pymorphy3 cannot place (it reads "Хачатрян" only as a plural):
# the masculine consonant declension, and the -а / -я declension.
_CONSONANT_ENDINGS = ("а", "у", "ом", "ым", "е", "ы", "ов", "ой", "ых")
_A_ENDINGS = {"а": ("ы", "и", "е", "у", "ой", "ою"), "я": ("и", "е", "ю", "ей", "ею")}


def _guessed_surname_forms(word: str) -> set[str]:
    if len(word) < 3:
        return set()
    last = word[-1]
    if last in _A_ENDINGS:
        return {word[:-1] + ending for ending in _A_ENDINGS[last]}
    if last in "бвгджзклмнпрстфхцчшщ":
        return {word + ending for ending in _CONSONANT_ENDINGS}
    return set()


@dataclass(frozen=True)
class HiddenName:
    """One entry of the keeper's list, prepared for matching."""

    #: Per word of the entry, its keys (folded Cyrillic forms and Latin spellings).
    words: tuple[frozenset[str], ...]
    #: Words that are matched wherever they stand, not only inside the whole entry.
    alone: tuple[bool, ...]


@functools.lru_cache(maxsize=64)
def prepare(entry: str) -> HiddenName | None:
    """Split and inflect one entry; None when it is not a name.

    Cached because detect() runs once per page with the same list; the cache lives in memory
    only, like the list itself.
    """
    if not is_name_entry(entry):
        return None
    words = [w for w in re.split(r"[\s\-]+", fold(entry)) if w]
    keys: list[frozenset[str]] = []
    alone: list[bool] = []
    for word in words:
        word = _BREAKS.sub("", word)
        if _is_cyrillic(word):
            forms, name_like = _inflections(word)
        else:
            # A name typed in Latin letters is also looked for in Cyrillic, in every case.
            forms, name_like = {word}, True
            for cyrillic in cyrillic_readings(word):
                forms |= _inflections(cyrillic)[0]
        word_keys = {fold(f) for f in forms if len(f) >= _MIN_CYRILLIC}
        for form in forms:
            if _is_cyrillic(form):
                word_keys.update(v for v in transliteration_variants(form) if len(v) >= _MIN_LATIN)
        word_keys.add(fold(word))
        keys.append(frozenset(word_keys))
        alone.append(name_like or len(words) == 1)
    return HiddenName(tuple(keys), tuple(alone))


# Latin spellings read back into Cyrillic, longest first: the inverse of the schemes in
# papka.text (ICAO, GOST 7.79-B, BGN/PCGN, informal).
_READINGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("shch", ("щ",)), ("tsch", ("ч",)), ("sch", ("щ", "ш")), ("shh", ("щ",)), ("tch", ("ч",)),
    ("zh", ("ж",)), ("kh", ("х",)), ("ts", ("ц",)), ("tz", ("ц",)), ("cz", ("ц",)),
    ("ch", ("ч", "х")), ("sh", ("ш",)), ("yu", ("ю",)), ("iu", ("ю",)), ("ju", ("ю",)),
    ("ya", ("я",)), ("ia", ("я", "ия")), ("ja", ("я",)), ("yo", ("ё",)), ("jo", ("ё",)),
    ("ye", ("е",)), ("je", ("е",)), ("ie", ("е", "ье", "ъе", "ъ")), ("iy", ("ий",)),
    ("ij", ("ий",)), ("ii", ("ий", "ии")), ("yi", ("ый",)), ("ks", ("кс",)), ("x", ("кс",)),
    ("a", ("а",)), ("b", ("б",)), ("c", ("ц", "к")), ("d", ("д",)), ("e", ("е", "э")),
    ("f", ("ф",)), ("g", ("г",)), ("h", ("х",)), ("i", ("и", "й")), ("j", ("й", "ж")),
    ("k", ("к",)), ("l", ("л",)), ("m", ("м",)), ("n", ("н",)), ("o", ("о",)), ("p", ("п",)),
    ("q", ("к",)), ("r", ("р",)), ("s", ("с",)), ("t", ("т",)), ("u", ("у",)), ("v", ("в",)),
    ("w", ("в",)), ("y", ("ы", "й", "и")), ("z", ("з",)),
)
_READING_LIMIT = 256
# Soft signs that ICAO drops (Olga = Ольга, Natalia = Наталья) come back after these letters.
_SOFTENED = re.compile(r"([лнтдсзр])(?=[бвгджзклмнпрстфхцчшщяеёю]|$)")


def cyrillic_readings(latin: str) -> list[str]:
    """The likeliest Cyrillic originals of a Latin word: words pymorphy3 knows first, then
    guessed names; every reading transliterates back to the given spelling."""
    word = fold(latin)
    if not word.isascii() or not word.isalpha() or len(word) > 24:
        return []
    readings: set[str] = set()
    partial: list[tuple[int, str]] = [(0, "")]
    while partial and len(readings) < _READING_LIMIT:
        position, done = partial.pop()
        if position == len(word):
            readings.add(done)
            continue
        # Pushed in reverse so that the longest spellings (shch, zh, ya) are tried first.
        for spelling, letters in reversed(_READINGS):
            if word.startswith(spelling, position):
                partial.extend((position + len(spelling), done + c) for c in reversed(letters))
    softened = {_SOFTENED.sub(r"\1ь", r, count=1) for r in readings}
    morph = _morph()
    candidates = readings | softened
    # A reading that gives the word back under ICAO (the passport scheme) beats the others;
    # among the rest, shorter readings (more letter pairs read as one letter) come first.
    exact = {c for c in candidates if fold(transliterate(c)) == word}
    known = sorted(
        (-_name_score(c), c not in exact, len(c), c)
        for c in candidates if morph.word_is_known(c)
    )
    if known:
        ranked, wanted = [c for *_, c in known], 3
    else:
        guessed = sorted(
            (len(c), c not in exact, -max(p.score for p in parses), c)
            for c in candidates
            if (parses := [p for p in morph.parse(c) if _NAME_GRAMMEMES & p.tag.grammemes])
        )
        ranked, wanted = [c for *_, c in guessed], 2
    # Only readings that give the word back under one of the schemes are kept (checked last,
    # on the few best, because spelling out the variants is the costly step).
    return [c for c in ranked if word in transliteration_variants(c)][:wanted]


def _name_score(word: str) -> float:
    """How sure pymorphy3 is that a word is a name (0 when it never reads it as one)."""
    return max((p.score for p in _morph().parse(word) if _NAME_GRAMMEMES & p.tag.grammemes),
               default=0.0)


def _is_cyrillic(word: str) -> bool:
    return any("CYRILLIC" in unicodedata.name(ch, "") for ch in word)


def forms_of(entry: str) -> set[str]:
    """Every word form under which one entry is matched (folded)."""
    prepared = prepare(entry)
    if prepared is None:
        return {fold(entry)} if fold(entry) else set()
    return set().union(*prepared.words)


def keeper_names(text: str, entries: Sequence[str]) -> Iterator[Hit]:
    prepared = [p for p in (prepare(e) for e in entries) if p is not None]
    if not prepared:
        return
    words = [(m.start(), m.end(), word_key(m.group())) for m in _WORD.finditer(text)]
    spans: list[tuple[int, int]] = []
    for name in prepared:
        for i, (start, end, key) in enumerate(words):
            for position, forms in enumerate(name.words):
                if key not in forms:
                    continue
                if name.alone[position]:
                    spans.append((start, end))
                if position == 0 and _phrase_follows(text, words, i, name):
                    spans.append((start, words[i + len(name.words) - 1][1]))
    yield from _joined(text, spans)


def _phrase_follows(text: str, words: list[tuple[int, int, str]], i: int,
                    name: HiddenName) -> bool:
    if i + len(name.words) > len(words):
        return False
    for offset in range(1, len(name.words)):
        previous_end = words[i + offset - 1][1]
        start, _, key = words[i + offset]
        if key not in name.words[offset]:
            return False
        if _NAME_GAP.fullmatch(text, previous_end, start) is None:
            return False
    return True


def _joined(text: str, spans: list[tuple[int, int]]) -> Iterator[Hit]:
    """Join words of one name into one span and take in its initials."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and (start <= merged[-1][1]
                       or _NAME_GAP.fullmatch(text, merged[-1][1], start) is not None):
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    for start, end in merged:
        after = _INITIALS_AFTER.match(text, end)
        if after is not None and not text[after.end() : after.end() + 1].isalpha():
            end = after.end()
        before = _INITIALS_BEFORE.search(text, max(0, start - 8), start)
        if before is not None and (before.start() == 0 or not text[before.start() - 1].isalpha()):
            start = before.start()
        yield Hit(start, end, "keeper-name", "keeper-names")


# ---- custom strings: numbers, codes, anything that is not a name -------------------------------

def custom_pattern(entry: str) -> re.Pattern[str] | None:
    """A pattern for an entry that is not a name (a number, a code, a street with its house).

    Its runs of letters and digits must appear in order with at most a little punctuation
    between them; digits may be split by spaces, dashes or brackets as OCR and people write
    them ("12345678" finds "1234 5678" and "12-34-56-78"). Letters compare case-insensitively
    with ё = е.
    """
    runs = re.findall(r"[^\W_]+", fold(entry))
    if not runs:
        return None
    parts: list[str] = []
    for run in runs:
        chars = []
        for ch in run:
            if ch.isdigit():
                chars.append(re.escape(ch))
            elif ch == "е":
                chars.append("[её]")
            else:
                chars.append(re.escape(ch))
        joiner = r"[ \t\-‐–.()]{0,3}" if run.isdigit() else ""
        parts.append(joiner.join(chars))
    body = r"[\W_]{0,5}?".join(parts)
    return re.compile(rf"(?<![^\W_])(?:{body})(?![^\W_])", re.IGNORECASE)


def custom_strings(text: str, entries: Sequence[str]) -> Iterator[Hit]:
    for entry in entries:
        pattern = custom_pattern(entry)
        if pattern is None:
            continue
        for match in pattern.finditer(text):
            if match.end() > match.start():
                yield Hit(match.start(), match.end(), "custom", "keeper-strings")


#: Entries longer than this are matched as plain strings, not inflected word by word.
MAX_NAME_WORDS = 6


def is_name_entry(entry: str) -> bool:
    """Entries of one to MAX_NAME_WORDS words of letters (with spaces and hyphens between) are
    names; the rest are strings."""
    words = [w for w in re.split(r"[\s\-]+", fold(entry)) if w]
    return 0 < len(words) <= MAX_NAME_WORDS and all(_WORD.fullmatch(w) for w in words)


# ---- natasha NER ----------------------------------------------------------------------------

@functools.cache
def _natasha() -> tuple[Any, Any]:
    # Loaded once per process on first use (about half a second); the models ship in the
    # natasha wheel, so nothing is fetched from the network.
    from natasha import NewsEmbedding, NewsNERTagger, Segmenter

    return Segmenter(), NewsNERTagger(NewsEmbedding())


_NER_CATEGORIES = {"PER": "person", "LOC": "place"}


def named_entities(text: str) -> Iterator[Hit]:
    if not any(ch.isalpha() for ch in text):
        return
    from natasha import Doc

    segmenter, tagger = _natasha()
    doc = Doc(text)
    doc.segment(segmenter)
    doc.tag_ner(tagger)
    for span in doc.spans:
        category = _NER_CATEGORIES.get(span.type)
        if category is not None and 0 <= span.start < span.stop <= len(text):
            yield Hit(span.start, span.stop, category, "natasha-ner")
