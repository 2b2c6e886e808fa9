"""Names: the keeper's own list in every grammatical case and in Latin, his relatives, Russian
names in Latin letters, and natasha's NER.

The keeper's list ("hide") is the most important detector: he knows whose names must not
reach an embassy or a journalist. Russian names change with case (Иванова, Ивановой, Иванову),
so every entry is inflected with pymorphy3 (its dictionary and its guesser for unknown
surnames) and every form is also matched in the Latin spellings of passports, visas and
letters (Ivanova, Ivanovoi, Iwanowa). Matching is by whole words, case-insensitive, ё = е,
across OCR hyphenation ("Ива-\\nнова") and stress marks. A match is the keeper's
(``keeper-name``) or a relative's (``relative``): see keeper_names().
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from papka.formats.detectors import Hit
from papka.text import fold, morph_analyzer, transliterate, transliteration_variants

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


def _morph() -> Any:
    analyzer = morph_analyzer()
    if analyzer is None:  # pragma: no cover - pymorphy3 is a dependency
        raise ImportError("name detection needs pymorphy3")
    return analyzer


def _inflections_with_family(word: str) -> tuple[set[str], set[str], set[str], bool]:
    """All forms of one word; the forms in the word's own gender and number; the nominatives of
    the rest of the family (Кузнецова, Кузнецовы for Кузнецов: the forms a translation or a
    link uses for another person); and whether it looks like a name (matched on its own)."""
    forms = {word}
    own = {word}
    family: set[str] = set()
    parses = _morph().parse(word)
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
    known = _morph().word_is_known(word)
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
_KINSHIP = (
    r"мать|матер\w*|мам[аыуе]|отец|отц\w*|пап[аыуе]|брат\w*|сестр\w*|жена|жены|жене|жену|"
    r"женой|супруг\w*|муж|мужа|мужу|мужем|сын\w*|доч\w*|бабушк\w*|дедушк\w*|дед|деда|"
    r"тёт\w*|тет[яиеюей]\w*|дяд\w*|родител\w*|родственни\w*|тёщ\w*|свекр\w*|"
    r"mother|father|brother|sister|wife|husband|son|daughter|parents?|aunt|uncle|"
    r"grand\w+|relatives?|mrs|ms|mme|madame|frau|mutter|vater|bruder|schwester|"
    r"m[eè]re|p[eè]re|fr[eè]re|s[oœ]eur|femme|mari|matka|ojciec|brat|siostra|żona|mąż"
)
_RELATIVE_PREFIX = re.compile(rf"^\s*(?i:{_KINSHIP})\s*[:\-–—]\s*(?P<name>\S.*)$")
# A kinship word shortly before a name found by its surname alone: "Мать: Кузнецова",
# "мать подозреваемого, Кузнецова", "His mother, Mrs. Olga Kuznetsova".
_KINSHIP_BEFORE = re.compile(rf"(?<!\w)(?i:{_KINSHIP})(?!\w)[^\n]{{0,40}}\n?[^\n]{{0,12}}$")
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
        if _is_cyrillic(word):
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
        if _is_cyrillic(form):
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


@dataclass(frozen=True)
class _Match:
    start: int
    end: int
    #: The whole entry matched, every word in the entry's own form.
    whole: bool
    #: A word matched only in a form of another gender or number (a relative's).
    family: bool
    relative_entry: bool
    entry: int
    #: Which word of the entry matched (-1: the whole entry).
    position: int = -1


def keeper_names(text: str, entries: Sequence[str]) -> Iterator[Hit]:
    """The keeper's listed names, categorised ``keeper-name``, or ``relative`` when the match
    belongs to someone else of the family: an entry listed as a relative ("мать: ..."), a
    surname in another gender or number (Кузнецовой for Кузнецов), a surname next to a first
    name or patronymic that is not the entry's, or after a kinship word ("Мать:", "mother")."""
    prepared = [p for p in (prepare(e) for e in entries) if p is not None]
    if not prepared:
        return
    words = [(m.start(), m.end(), word_key(m.group())) for m in _WORD.finditer(text)]
    matches: list[_Match] = []
    for number, name in enumerate(prepared):
        for i, (start, end, key) in enumerate(words):
            for position, forms in enumerate(name.words):
                if key not in forms:
                    continue
                family = bool(name.own) and key not in name.own[position]
                if name.alone[position]:
                    matches.append(_Match(start, end, False, family, name.relative, number,
                                          position))
                if position == 0 and _phrase_follows(text, words, i, name):
                    whole_own = not name.own or all(
                        words[i + k][2] in name.own[k] for k in range(len(name.words)))
                    matches.append(_Match(start, words[i + len(name.words) - 1][1],
                                          whole_own and len(name.words) > 1, not whole_own,
                                          name.relative, number))
    yield from _joined(text, words, matches, prepared)


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


def _joined(text: str, words: list[tuple[int, int, str]], matches: list[_Match],
            prepared: list[HiddenName]) -> Iterator[Hit]:
    """Join words of one name into one span, take in its initials, and say whose it is."""
    groups: list[tuple[list[int], list[_Match]]] = []
    for match in sorted(matches, key=lambda m: (m.start, m.end)):
        if groups and (match.start <= groups[-1][0][1]
                       or _NAME_GAP.fullmatch(text, groups[-1][0][1], match.start) is not None):
            groups[-1][0][1] = max(groups[-1][0][1], match.end)
            groups[-1][1].append(match)
        else:
            groups.append(([match.start, match.end], [match]))
    for (start, end), members in groups:
        category = _whose(text, words, start, end, members, prepared)
        if category == "relative":
            # The relative's own first name and patronymic, which the keeper's list cannot
            # know ("Кузнецов Павел Андреевич" for the entry "Кузнецов Иван").
            start, end = _with_given_names(text, words, start, end)
        after = _INITIALS_AFTER.match(text, end)
        if after is not None and not text[after.end() : after.end() + 1].isalpha():
            end = after.end()
        before = _INITIALS_BEFORE.search(text, max(0, start - 8), start)
        if before is not None and (before.start() == 0 or not text[before.start() - 1].isalpha()):
            start = before.start()
        yield Hit(start, end, category, "keeper-names")


def _whose(text: str, words: list[tuple[int, int, str]], start: int, end: int,
           members: list[_Match], prepared: list[HiddenName]) -> str:
    # The keeper's evidence first: a whole entry in its own forms, or two words of one entry
    # side by side, in another order or a declined Latin form ("Iwana Kuzniecowa" in Polish),
    # where the entry's own first name says whose surname it is.
    if any(m.whole and not m.family and not m.relative_entry for m in members):
        return "keeper-name"
    for entry in {m.entry for m in members if not prepared[m.entry].relative}:
        own_words = {m.position for m in members
                     if m.entry == entry and not m.family and m.position >= 0}
        all_words = {m.position for m in members if m.entry == entry and m.position >= 0}
        if len(all_words) >= 2 and own_words - (all_words - own_words):
            return "keeper-name"
    if any(m.relative_entry for m in members):
        return "relative"
    if any(m.family for m in members):
        return "relative"
    if _KINSHIP_BEFORE.search(text, max(0, start - _KINSHIP_WINDOW), start):
        return "relative"
    # A first name or patronymic next to the surname that is not the entry's own: someone
    # else of the family ("Кузнецова Анна Петровна" for the entry "Кузнецов Иван").
    entries = {m.entry for m in members}
    if any(len(prepared[e].words) > 1 for e in entries):
        for index, (w_start, w_end, _) in enumerate(words):
            if w_start >= end:
                return "relative" if (_NAME_GAP.fullmatch(text, end, w_start) and _is_given_name(
                    text[w_start:w_end])) else "keeper-name"
            just_before = w_end <= start and (index + 1 == len(words)
                                              or words[index + 1][0] >= start)
            if just_before and _NAME_GAP.fullmatch(text, w_end, start) and _is_given_name(
                    text[w_start:w_end]):
                return "relative"
    return "keeper-name"


def _with_given_names(text: str, words: list[tuple[int, int, str]], start: int,
                      end: int) -> tuple[int, int]:
    """Widen a relative's surname over up to two first names or patronymics on either side."""
    following = [w for w in words if w[0] >= end][:2]
    for w_start, w_end, _ in following:
        if not (_NAME_GAP.fullmatch(text, end, w_start) and _is_given_name(text[w_start:w_end])):
            break
        end = w_end
    preceding = [w for w in words if w[1] <= start][-2:]
    for w_start, w_end, _ in reversed(preceding):
        if not (_NAME_GAP.fullmatch(text, w_end, start) and _is_given_name(text[w_start:w_end])):
            break
        start = w_start
    return start, end


@functools.lru_cache(maxsize=4096)
def _is_given_name(word: str) -> bool:
    """A capitalised first name or patronymic (pymorphy3's Name or Patr), in Cyrillic or in a
    Latin spelling read back into Cyrillic. Cached (in memory only): reading Latin back into
    Cyrillic is the slow part, and the same words recur on every page."""
    if not word[:1].isupper():
        return False
    if _is_cyrillic(word):
        candidates = [word_key(word)]
    else:
        # Only readings the dictionary knows: the guesser calls almost anything a name.
        candidates = [c for c in cyrillic_readings(word) if _morph().word_is_known(c)]
    for candidate in candidates:
        for parse in _morph().parse(candidate):
            if {"Name", "Patr"} & parse.tag.grammemes and parse.score >= 0.1:
                return True
    return False


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
    names, also after a kinship label ("мать: Кузнецова Анна"); the rest are strings."""
    entry = split_relative(entry)[0]
    words = [w for w in re.split(r"[\s\-]+", fold(entry)) if w]
    return 0 < len(words) <= MAX_NAME_WORDS and all(_WORD.fullmatch(w) for w in words)


# ---- Russian names written in Latin letters (translations, visas, letters) ---------------------

_LATIN_CAP = r"[A-Z][a-z]+(?:-[A-Z][a-z]+)?"
_PATRONYMIC = re.compile(r"(?:ovich|evich|yevich|ovna|evna|yevna|ichna|ich|vich|vna|owitsch|"
                         r"ewitsch|ovitch|evitch|owna|ewna)$")
_SURNAME_SUFFIX = re.compile(r"(?:ov|ova|ev|eva|yov|yova|iov|iova|in|ina|yn|yna|sky|skiy|skii|"
                             r"skaya|skaia|ski|ska|enko|uk|yuk|chuk|ow|owa|ew|ewa|off|ine|"
                             r"ovs|ich|vili|dze|yan|ian)$")
_TITLE = r"(?:Mr|Mrs|Ms|Miss|Mme|Mlle|Madame|Monsieur|M|Herrn|Herr|Frau|Pan|Pani|Pana|Dr)\.?"
_LATIN_NAME = re.compile(
    rf"(?<![\w.])(?:(?P<title>{_TITLE})[ \t]+)?(?P<words>{_LATIN_CAP}(?:[ \t]+{_LATIN_CAP}){{0,2}})"
    r"(?![\w])"
)


# Capitalised words that start a sentence or a greeting before a name, or give a rank.
_NOT_A_NAME = frozenset({
    "dear", "the", "a", "an", "in", "on", "at", "to", "from", "by", "with", "and", "of", "for",
    "hello", "hi", "yours", "citizen", "private", "sergeant", "lieutenant", "captain", "colonel",
    "major", "general", "judge", "investigator", "mother", "father", "brother", "sister",
    "when", "then", "after", "before", "since", "as", "but", "if", "his", "her", "my", "our",
    "herr", "herrn", "frau", "monsieur", "madame", "pan", "pani", "pana", "objet", "betreff",
    "dotyczy", "von", "de", "du", "la", "le",
})


def latin_names(text: str) -> Iterator[Hit]:
    """Russian names in Latin letters: a first name with a patronymic ("Anna Petrovna",
    "Ivan Sergeyevich Kuznetsov"), a surname with a Russian ending after a title ("Mrs. Olga
    Kuznetsova", "Herr Kusnezow"), or a surname with a Russian ending next to a first name
    that reads back into a Russian first name ("Anna Kuznetsova")."""
    for match in _LATIN_NAME.finditer(text):
        start, end = match.start("words"), match.end("words")
        words = match["words"].split()
        while words and words[0].lower() in _NOT_A_NAME:
            start = text.index(words[1], start + len(words[0])) if len(words) > 1 else end
            words.pop(0)
        lowered = [w.lower() for w in words]
        patronymic = len(words) >= 2 and any(_PATRONYMIC.search(w) and len(w) >= 6
                                             for w in lowered)
        surname = any(_SURNAME_SUFFIX.search(w) and len(w) >= 5 for w in lowered)
        if patronymic or (match["title"] and surname) or (len(words) >= 2 and surname and any(
                _is_given_name(w) for w, low in zip(words, lowered, strict=True)
                if not _SURNAME_SUFFIX.search(low) and len(w) >= 3)):
            yield Hit(start, end, "person", "person-latin")


# ---- natasha NER ----------------------------------------------------------------------------

@functools.cache
def _natasha() -> tuple[Any, Any]:
    # Loaded once per process on first use (about half a second); the models ship in the
    # natasha wheel, so nothing is fetched from the network.
    from natasha import NewsEmbedding, NewsNERTagger, Segmenter

    return Segmenter(), NewsNERTagger(NewsEmbedding())


_NER_CATEGORIES = {"PER": "person", "LOC": "place"}
_NER_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


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
            for start, end in _trimmed(text, span.start, span.stop, category):
                yield Hit(start, end, category, "natasha-ner")


def _trimmed(text: str, start: int, end: int, category: str) -> list[tuple[int, int]]:
    """The parts of an NER span that are names: natasha often runs a name into the label on
    the next line ("Кузнецов Иван\nАдрес") or takes a greeting or an ordinary word for a name
    ("Добрый день", "Зарекомендовала"). Lines are judged apart; ordinary dictionary words at
    the edges are cut off; a part left without a name-like word is dropped."""
    kept: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text[start:end]):
        found = [(start + m.start() + line.start(), start + m.end() + line.start(), m.group())
                 for m in _NER_WORD.finditer(line.group())]
        # Labels at the edges go ("Обвиняемый:", "Мать"); the rest of the line stays whole
        # when one word of it is a name, so "Иван Кузнец" keeps its ordinary-noun surname.
        while found and _is_label(found[0][2], text, found[0][1]):
            found.pop(0)
        while found and _is_label(found[-1][2], text, found[-1][1]):
            found.pop()
        if any(not _ordinary(word, category) for _, _, word in found):
            kept.append((found[0][0], found[-1][1]))
    return kept


def _is_label(word: str, text: str, end: int) -> bool:
    return text[end : end + 1] == ":" or word_key(word) in _LABELS


_PLACE_GRAMMEMES = frozenset({"Geox"})
_PERSON_GRAMMEMES = frozenset({"Name", "Surn", "Patr", "Init"})


def _ordinary(word: str, category: str) -> bool:
    """A word that is no name: a greeting, a verb, an ordinary noun ("Добрый день")."""
    if not _is_cyrillic(word):
        return False
    morph = _morph()
    key = word_key(word)
    if not morph.word_is_known(key):
        return False
    wanted = _PERSON_GRAMMEMES if category == "person" else _PLACE_GRAMMEMES | _PERSON_GRAMMEMES
    parses = morph.parse(key)
    if any(wanted & p.tag.grammemes for p in parses):
        return False
    # Place names are often ordinary adjectives and nouns ("Малые Вишенки", "Красная
    # площадь"): only verbs, adverbs and greetings are taken for no place.
    if category == "place":
        return any({"VERB", "INFN", "PRTF", "PRTS", "GRND", "ADVB", "INTJ"} & p.tag.grammemes
                   for p in parses[:1])
    return True


# Words printed before a colon on forms; also cut when the colon was lost.
_LABELS = frozenset({"адрес", "мать", "отец", "обвиняемый", "обвиняемая", "подозреваемый",
                     "подозреваемая", "подсудимый", "подсудимая", "свидетель", "потерпевший",
                     "потерпевшая", "заявитель", "истец", "ответчик", "фамилия", "имя",
                     "отчество", "место", "дата", "телефон", "гражданин", "гражданка",
                     "уважаемый", "уважаемая", "получатель", "отправитель", "кому", "от"})
