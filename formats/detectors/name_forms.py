"""The keeper's names in every form: the dictionary side of name detection.

Each entry of the keeper's list ("hide") is split into words and every word is inflected with
pymorphy3 (its dictionary, and its guesser for unknown surnames), written in the Latin spellings
of passports, visas and letters (Ivanova, Ivanovoi, Iwanowa), and read back from Latin into
Cyrillic when the keeper typed it in Latin. Kinship labels ("мать: ...") mark a relative's
entry. :mod:`.names` matches these forms in a text.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from papka.text import fold, morph_analyzer, transliterate, transliteration_variants

# A word as OCR and PDF extraction deliver it: letters with stress marks and apostrophes,
# possibly broken over a line with a hyphen or a soft hyphen.
_LETTERS = r"(?:[^\W\d_]|[\u0300-\u036f])+"
WORD = re.compile(
    rf"{_LETTERS}(?:(?:['’ʹ]|-[ \t]*\r?\n[ \t]*|\u00ad(?:[ \t]*\r?\n[ \t]*)?){_LETTERS})*"
)
_BREAKS = re.compile(r"-[ \t]*\r?\n[ \t]*|\u00ad|['’ʹ]|[\u0300\u0301]")
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
    if is_cyrillic(key) and any("a" <= ch <= "z" for ch in key):
        key = key.translate(_LOOKALIKES)
    return key


def analyzer() -> Any:
    """pymorphy3's analyzer, shared with search (loaded once per process)."""
    found = morph_analyzer()
    if found is None:  # pragma: no cover - pymorphy3 is a dependency
        raise ImportError("name detection needs pymorphy3")
    return found


def _inflections_with_family(word: str) -> tuple[set[str], set[str], set[str], bool]:
    """All forms of one word; the forms in the word's own gender and number; the nominatives of
    the rest of the family (Кузнецова, Кузнецовы for Кузнецов: the forms a translation or a
    link uses for another person); and whether it looks like a name (matched on its own)."""
    forms = {word}
    own = {word}
    family: set[str] = set()
    parses = analyzer().parse(word)
    name_parses = [
        p for p in parses
        if _NAME_GRAMMEMES & p.tag.grammemes and p.tag.number != "plur"
    ]
    # The entry is written in the nominative: "Иванова" is her name, not "of Иванов", so only
    # nominative readings say whose forms are the entry's own.
    nominative = [p for p in name_parses if p.tag.case == "nomn"] or name_parses
    for parse in name_parses:
        surname = "Surn" in parse.tag.grammemes
        for form in parse.lexeme:
            same = form.tag.gender == parse.tag.gender and form.tag.number != "plur"
            # A surname covers the whole family (Иванов, Иванова, Ивановы); a first name or a
            # patronymic keeps its gender, so hiding "Петровна" does not hide "Петрович".
            if surname or same:
                forms.add(form.word)
            if parse not in nominative:
                continue
            if same:
                own.add(form.word)
            elif surname and form.tag.case == "nomn":
                family.add(form.word)
    known = analyzer().word_is_known(word)
    if not name_parses and parses and known:
        best = parses[0]
        forms.update(form.word for form in best.lexeme)
        own.update(form.word for form in best.lexeme)
    if not name_parses and not known:
        guessed = _guessed_surname_forms(word)
        # Guessed endings cannot tell the genders apart (Хачатряна: his genitive or her name).
        forms |= guessed
        own |= guessed
    return forms, own, family, bool(name_parses) or not known


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
    #: Per word, the keys of the forms in the entry's own gender and number: a surname found
    #: only in another form (Кузнецовой for Кузнецов) belongs to a relative.
    own: tuple[frozenset[str], ...] = ()
    #: Whether the keeper listed the entry as a relative ("мать: Кузнецова Анна").
    relative: bool = False


# "мать: Кузнецова Анна Петровна", "brother - Kuznetsov Petr" in the keeper's list: a relative.
KINSHIP = (
    r"мать|матер\w*|мам[аыуе]|отец|отц\w*|пап[аыуе]|брат\w*|сестр\w*|жена|жены|жене|жену|"
    r"женой|супруг\w*|муж|мужа|мужу|мужем|сын\w*|доч\w*|бабушк\w*|дедушк\w*|дед|деда|"
    r"тёт\w*|тет[яиеюей]\w*|дяд\w*|родител\w*|родственни\w*|тёщ\w*|свекр\w*|"
    r"mother|father|brother|sister|wife|husband|son|daughter|parents?|aunt|uncle|"
    r"grand\w+|relatives?|mrs|ms|mme|madame|frau|mutter|vater|bruder|schwester|"
    r"m[eè]re|p[eè]re|fr[eè]re|s[oœ]eur|femme|mari|matka|ojciec|brat|siostra|żona|mąż"
)
_RELATIVE_PREFIX = re.compile(rf"^\s*(?i:{KINSHIP})\s*[:\-–—]\s*(?P<name>\S.*)$")
# A kinship word shortly before a name found by its surname alone: "Мать: Кузнецова",
# "мать подозреваемого, Кузнецова", "His mother, Mrs. Olga Kuznetsova".
_KINSHIP_BEFORE = re.compile(rf"(?<!\w)(?i:{KINSHIP})(?!\w)[^\n]{{0,40}}\n?[^\n]{{0,12}}$")
_KINSHIP_WINDOW = 56


def split_relative(entry: str) -> tuple[str, bool]:
    """An entry without its kinship label, and whether it had one."""
    match = _RELATIVE_PREFIX.match(entry)
    if match is None:
        return entry, False
    return match["name"].strip(), True


@functools.lru_cache(maxsize=64)
def prepare(entry: str) -> HiddenName | None:
    """Split and inflect one entry; None when it is not a name.

    Cached because detect() runs once per page with the same list; the cache lives in memory
    only, like the list itself.
    """
    entry, relative = split_relative(entry)
    if not is_name_entry(entry):
        return None
    words = [w for w in re.split(r"[\s\-]+", fold(entry)) if w]
    keys: list[frozenset[str]] = []
    own_keys: list[frozenset[str]] = []
    alone: list[bool] = []
    for word in words:
        word = _BREAKS.sub("", word)
        if is_cyrillic(word):
            forms, own, family, name_like = _inflections_with_family(word)
        else:
            # A name typed in Latin letters is also looked for in Cyrillic, in every case.
            forms, own, family, name_like = {word}, {word}, set(), True
            for cyrillic in cyrillic_readings(word):
                more, more_own, more_family, _ = _inflections_with_family(cyrillic)
                forms |= more
                own |= more_own
                family |= more_family
        keys.append(_keys_of(forms) | {fold(word)})
        # In Latin text (a translation, a link) a Russian name stands in the nominative, so
        # "Kuznetsova" there is his mother, not "of Kuznetsov"; in Cyrillic the case decides.
        own_cyrillic = frozenset(fold(f) for f in own if len(f) >= _MIN_CYRILLIC)
        own_latin = _keys_of(own) - _keys_of(family) - own_cyrillic
        own_keys.append(own_cyrillic | own_latin | {fold(word)})
        alone.append(name_like or len(words) == 1)
    return HiddenName(tuple(keys), tuple(alone), tuple(own_keys), relative)


def _keys_of(forms: set[str]) -> frozenset[str]:
    keys = {fold(f) for f in forms if len(f) >= _MIN_CYRILLIC}
    for form in forms:
        if is_cyrillic(form):
            keys.update(v for v in transliteration_variants(form) if len(v) >= _MIN_LATIN)
    return frozenset(keys)


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
    morph = analyzer()
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
    return max((p.score for p in analyzer().parse(word) if _NAME_GRAMMEMES & p.tag.grammemes),
               default=0.0)


def is_cyrillic(word: str) -> bool:
    return any("CYRILLIC" in unicodedata.name(ch, "") for ch in word)


def forms_of(entry: str) -> set[str]:
    """Every word form under which one entry is matched (folded)."""
    prepared = prepare(entry)
    if prepared is None:
        return {fold(entry)} if fold(entry) else set()
    return set().union(*prepared.words)


def link_keys(entries: Sequence[str]) -> list[tuple[frozenset[str], str]]:
    """For :func:`.links.names_in_links`: each entry's keys with the category a match gives
    (the forms of another gender or number of the keeper's surname belong to relatives)."""
    out: list[tuple[frozenset[str], str]] = []
    for name in (p for p in (prepare(e) for e in entries) if p is not None):
        for position, keys in enumerate(name.words):
            if not name.alone[position]:
                continue
            own = name.own[position] if name.own else keys
            if name.relative:
                out.append((keys, "relative"))
            else:
                out.append((own, "keeper-name"))
                out.append((keys - own, "relative"))
    return out


@functools.lru_cache(maxsize=4096)
def is_given_name(word: str) -> bool:
    """A capitalised first name or patronymic (pymorphy3's Name or Patr), in Cyrillic or in a
    Latin spelling read back into Cyrillic. Cached (in memory only): reading Latin back into
    Cyrillic is the slow part, and the same words recur on every page."""
    if not word[:1].isupper():
        return False
    if is_cyrillic(word):
        candidates = [word_key(word)]
    else:
        # Only readings the dictionary knows: the guesser calls almost anything a name.
        candidates = [c for c in cyrillic_readings(word) if analyzer().word_is_known(c)]
    for candidate in candidates:
        for parse in analyzer().parse(candidate):
            if {"Name", "Patr"} & parse.tag.grammemes and parse.score >= 0.1:
                return True
    return False


#: Entries longer than this are matched as plain strings, not inflected word by word.
MAX_NAME_WORDS = 6


def is_name_entry(entry: str) -> bool:
    """Entries of one to MAX_NAME_WORDS words of letters (with spaces and hyphens between) are
    names, also after a kinship label ("мать: Кузнецова Анна"); the rest are strings."""
    entry = split_relative(entry)[0]
    words = [w for w in re.split(r"[\s\-]+", fold(entry)) if w]
    return 0 < len(words) <= MAX_NAME_WORDS and all(WORD.fullmatch(w) for w in words)
