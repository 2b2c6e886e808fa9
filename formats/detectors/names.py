"""Names in a text: the keeper's own list and his relatives, and Russian names in Latin letters.

The keeper's list ("hide") is the most important detector: he knows whose names must not
reach an embassy or a journalist. Every entry's forms (every grammatical case, the Latin
spellings of passports, visas and letters) come from :mod:`.name_forms`; here they are matched
by whole words, case-insensitive, ё = е, across OCR hyphenation ("Ива-\\nнова") and stress
marks. A match is the keeper's (``keeper-name``) or a relative's (``relative``): see
keeper_names(). Entries that are no names (numbers, codes) are matched as strings; natasha's
NER lives in :mod:`.named_entities`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from papka.formats.detectors import Hit
from papka.formats.detectors.name_forms import (
    KINSHIP,
    WORD,
    HiddenName,
    is_given_name,
    prepare,
    word_key,
)
from papka.text import fold

# Initials next to a matched name: "Иванова М.П.", "М. П. Иванова". «О» also as the zero OCR
# reads for it: a photo of the case in a typewriter face, turned a quarter, read «Шевчук О. Н.»
# as "Шевчук 0. H.", and the initials stayed readable beside the boxed surname.
_ZERO_FOR_O = r"0(?=\.(?!\d))"
_INITIALS_AFTER = re.compile(
    rf"[ \t]*(?:[А-ЯЁA-Z]|{_ZERO_FOR_O})\.(?:[ \t]?(?:[А-ЯЁA-Z]|{_ZERO_FOR_O})\.)?")
_INITIALS_BEFORE = re.compile(
    rf"(?:[А-ЯЁA-Z]|{_ZERO_FOR_O})\.(?:[ \t]?(?:[А-ЯЁA-Z]|{_ZERO_FOR_O})\.)?[ \t]*$")
# Between two matched words of one name: spaces, a line break, a hyphen (Петров-Водкин).
_NAME_GAP = re.compile(r"[ \t]*(?:\r?\n)?[ \t]*-?[ \t]*")

# A kinship word shortly before a name found by its surname alone: "Мать: Кузнецова",
# "мать подозреваемого, Кузнецова", "His mother, Mrs. Olga Kuznetsova".
_KINSHIP_BEFORE = re.compile(rf"(?<!\w)(?i:{KINSHIP})(?!\w)[^\n]{{0,40}}\n?[^\n]{{0,12}}$")
_KINSHIP_WINDOW = 56


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
    words = [(m.start(), m.end(), word_key(m.group())) for m in WORD.finditer(text)]
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
                return "relative" if (_NAME_GAP.fullmatch(text, end, w_start) and is_given_name(
                    text[w_start:w_end])) else "keeper-name"
            just_before = w_end <= start and (index + 1 == len(words)
                                              or words[index + 1][0] >= start)
            if just_before and _NAME_GAP.fullmatch(text, w_end, start) and is_given_name(
                    text[w_start:w_end]):
                return "relative"
    return "keeper-name"


def _with_given_names(text: str, words: list[tuple[int, int, str]], start: int,
                      end: int) -> tuple[int, int]:
    """Widen a relative's surname over up to two first names or patronymics on either side."""
    following = [w for w in words if w[0] >= end][:2]
    for w_start, w_end, _ in following:
        if not (_NAME_GAP.fullmatch(text, end, w_start) and is_given_name(text[w_start:w_end])):
            break
        end = w_end
    preceding = [w for w in words if w[1] <= start][-2:]
    for w_start, w_end, _ in reversed(preceding):
        if not (_NAME_GAP.fullmatch(text, w_end, start) and is_given_name(text[w_start:w_end])):
            break
        start = w_start
    return start, end


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


# ---- Russian names written in Latin letters (translations, visas, letters) ---------------------

# A capitalised word, or one in capitals (letters and forms write the surname so: "Mr. Andrei
# KRAVCHISHIN" was not found).
_LATIN_CAP = r"(?:[A-Z][a-z]+|[A-Z]{2,})(?:-(?:[A-Z][a-z]+|[A-Z]{2,}))?"
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


# A name written after a kinship label on a form: "Мать: Кравчишина О. Н.", "Отец — Иван
# Петрович", "Брат: Андрей". Whoever is named there is a relative, the people questioned at
# home: found without NER, whose reading of a line depends on the lines around it (on a photo
# it missed "Мать: Кравчишина О. H." read with a Latin initial). Latin look-alikes are allowed
# in the initials and small letters, as OCR reads them.
_CYRILLIC_CAP = r"[А-ЯЁ][а-яёaceopxy]+(?:-[А-ЯЁ][а-яёaceopxy]+)?"
_ANY_INITIALS = (rf"(?:[А-ЯЁABCEHKMOPTXY]|{_ZERO_FOR_O})\."
                 rf"(?:[ \t]?(?:[А-ЯЁABCEHKMOPTXY]\.?|{_ZERO_FOR_O}\.))?")
_AFTER_KIN_LABEL = re.compile(
    r"(?<!\w)(?i:мать|отец|брат|сестра|жена|муж|сын|дочь|супруга?|бабушка|дедушка)"
    r"[ \t]*[:\-–—][ \t]*"
    rf"(?P<name>{_CYRILLIC_CAP}(?:[ \t]+{_ANY_INITIALS}|[ \t]+{_CYRILLIC_CAP}"
    rf"(?:[ \t]+{_CYRILLIC_CAP})?)?)"
)


# The fields of a military ID, a passport or a form: "Фамилия  ЁЛКИН", "Имя: Дмитрий",
# "Отчество СЕРГЕЕВИЧ" (no colon on a military ID). NER missed the three on a sideways photo;
# a photo saved at JPEG quality 12 read "Отчество. СЕРГЕЕВИЧ", a speck as a full stop.
_AFTER_NAME_FIELD = re.compile(
    r"(?<!\w)(?i:фамилия|имя|отчество)[ \t]*[:\-–—.]?[ \t]+"
    r"(?P<name>[А-ЯЁ][А-ЯЁа-яё]+(?:-[А-ЯЁ][А-ЯЁа-яё]+)?)(?![\w-])"
)
# The same field's value in small letters, after the label as a form prints it (a capital,
# beginning its field): a fold across the top of «Имя  ДМИТРИЙ» took the capitals' tops, and
# OCR read "Имя дмитрий". In running text («укажите имя») the label is in small letters.
_AFTER_NAME_FIELD_SMALL = re.compile(
    r"(?<!\w)(?:Фамилия|Имя|Отчество|ФАМИЛИЯ|ИМЯ|ОТЧЕСТВО)[ \t]*[:\-–—.]?[ \t]+"
    r"(?P<name>[а-яё]{2,}(?:-[а-яё]{2,})?)(?![\w-])"
)


# A surname with its initials, after it or before it: "Шевчук О. Н.", "Кравчишину А. В.",
# "О. Н. Шевчук", the way Russian papers name investigators, doctors and the people in a case.
# NER misses some when OCR doubles a full stop or reads an initial in Latin ("Кравчишину А.
# B.. 1998", a blurred photo of a medical certificate, was not found at all).
_SURNAME = r"[А-ЯЁ][а-яё]{2,}(?:-[А-ЯЁ][а-яё]{2,})?"
_INITIAL = rf"(?:[А-ЯЁABCEHKMOPTXY]|{_ZERO_FOR_O})\."
_WITH_INITIALS = re.compile(
    rf"(?<![\w.])(?:{_SURNAME}[ \t]+{_INITIAL}[ \t]?{_INITIAL}"
    rf"|{_INITIAL}[ \t]?{_INITIAL}[ \t]?{_SURNAME})(?![\w-])"
)


def with_initials(text: str) -> Iterator[Hit]:
    """Surnames written with two initials."""
    for match in _WITH_INITIALS.finditer(text):
        yield Hit(match.start(), match.end(), "person", "initials")


def after_kinship_labels(text: str) -> Iterator[Hit]:
    """Names after a kinship label, and after the name fields of a form."""
    for match in _AFTER_KIN_LABEL.finditer(text):
        yield Hit(match.start("name"), match.end("name"), "person", "kin-label")
    for pattern in (_AFTER_NAME_FIELD, _AFTER_NAME_FIELD_SMALL):
        for match in pattern.finditer(text):
            yield Hit(match.start("name"), match.end("name"), "person", "name-field")


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
                is_given_name(w) for w, low in zip(words, lowered, strict=True)
                if not _SURNAME_SUFFIX.search(low) and len(w) >= 3)):
            yield Hit(start, end, "person", "person-latin")
