"""Text normalisation shared by search (papka.vault) and detection (papka.formats.detect).

Russian papers reach papka in many spellings of the same word: upper or lower case, with or
without ё, from OCR with odd spacing, and in Latin letters on passports, visas and asylum
letters (Иванова, IVANOVA, Iwanowa). Everything here is pure Python so that the vault can use
it without pulling in the detection stack. See docs/detection.md for the schemes used.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from typing import Any

__all__ = [
    "dictionary_form",
    "fold",
    "latin_skeleton",
    "lemma_keys",
    "national_spellings",
    "query_word_keys",
    "search_keys",
    "transliterate",
    "transliteration_variants",
]

_WHITESPACE = re.compile(r"\s+")

# The canonical scheme is ICAO Doc 9303 (7th ed., part 3, table for Cyrillic), the one printed
# in Russian international passports since 2014: Мария Юрьевна Щукина → Mariia Iurevna Shchukina.
_ICAO: dict[str, str] = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "ie", "ы": "y", "ь": "", "э": "e", "ю": "iu",
    "я": "ia",
    # Ukrainian and Belarusian letters that turn up in names of relatives and places.
    "і": "i", "ї": "i", "є": "ie", "ґ": "g", "ў": "u",
}

# Spellings met in practice for each letter: ICAO, GOST 7.79-2000 system B without its
# apostrophes and backquotes, BGN/PCGN without diacritics, and the informal English, German
# and French habits of visas, diplomas and e-mails (Yuriy, Iwanowa, Chruschtschow, Jukov).
_LETTER_OPTIONS: dict[str, tuple[str, ...]] = {
    "а": ("a",), "б": ("b",), "в": ("v", "w"), "г": ("g",), "д": ("d",),
    "е": ("e",), "ё": ("e", "yo", "io", "jo", "ye"), "ж": ("zh", "j"), "з": ("z",),
    "и": ("i",), "й": ("i", "y", "j"), "к": ("k",), "л": ("l",), "м": ("m",), "н": ("n",),
    "о": ("o",), "п": ("p",), "р": ("r",), "с": ("s",), "т": ("t",), "у": ("u",),
    "ф": ("f",), "х": ("kh", "h", "x", "ch"), "ц": ("ts", "c", "cz", "tz", "z"),
    "ч": ("ch", "tch", "tsch"), "ш": ("sh", "sch"), "щ": ("shch", "shh", "sch", "sh"),
    "ъ": ("", "ie"), "ы": ("y", "i"), "ь": ("", "i"), "э": ("e",),
    "ю": ("iu", "yu", "ju"), "я": ("ia", "ya", "ja"),
    "і": ("i",), "ї": ("i", "yi", "ji"), "є": ("ie", "ye", "je"), "ґ": ("g",), "ў": ("u", "w"),
}
# Letter pairs spelled as a unit anywhere in a word: Мария → Maria, Наталья → Natalya,
# Юрьевич → Yurevich, Алексей → Alexey.
_PAIR_OPTIONS: dict[str, tuple[str, ...]] = {
    "ия": ("iia", "iya", "ija", "ia"),
    "ья": ("ia", "ya", "ja", "iya", "ija"),
    "ье": ("ie", "ye", "je", "e"),
    "кс": ("ks", "x"),
}
# Word endings spelled as a unit: Юрий → Iurii / Yuriy / Yurij / Yuri; Горький → Gorky.
_ENDING_OPTIONS: dict[str, tuple[str, ...]] = {
    "ий": ("ii", "iy", "ij", "i", "y"),
    "ый": ("yi", "y", "iy", "yy", "ij"),
}
_VOWELS = set("аеёиоуыэюяіїє")
# BGN/PCGN writes е as "ye" at the start of a word and after a vowel or a soft or hard sign.
_YE_AFTER = _VOWELS | {"ъ", "ь"}
#: Above this many spellings a word falls back to one spelling per scheme, so that a long name
#: with many ambiguous letters cannot make detection slow.
VARIANT_LIMIT = 512


#: Text made only of these (ASCII and the Russian alphabet) folds without the slow steps.
_ASCII_AND_RUSSIAN = re.compile("[\x00-\x7f\u0410-\u044f\u0401\u0451]*")


def _strip_latin_marks(s: str) -> str:
    # Only marks on Latin letters go: й and ё are letters of their own in Russian (ё is folded
    # separately, й must stay distinct from и).
    out: list[str] = []
    for ch in unicodedata.normalize("NFD", s):
        if unicodedata.combining(ch) and out and _is_latin(out[-1]):
            continue
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def _is_latin(ch: str) -> bool:
    return ch.isascii() or (ch.isalpha() and "LATIN" in unicodedata.name(ch, ""))


def _fold_once(s: str, *, keep_yo: bool = False) -> str:
    s = unicodedata.normalize("NFKC", s)
    s = s.casefold()
    if not keep_yo:
        s = s.replace("ё", "е")
    if _ASCII_AND_RUSSIAN.fullmatch(s):
        # Nothing here carries a mark on a Latin letter or is a format character, so the two
        # steps below would change nothing; skipping them is most of the cost of an add.
        return _WHITESPACE.sub(" ", s).strip()
    s = _strip_latin_marks(s)
    # Format characters (soft hyphens, zero-width spaces, BOMs) are invisible and split words.
    s = "".join(ch for ch in s if unicodedata.category(ch) != "Cf")
    return _WHITESPACE.sub(" ", s).strip()


def fold(s: str) -> str:
    """The form under which two spellings of the same text compare equal.

    NFKC, case folding, ё → е, marks stripped from Latin letters (é → e) while й stays й,
    invisible format characters removed, runs of whitespace collapsed to one space and trimmed.
    Idempotent: ``fold(fold(s)) == fold(s)``.
    """
    # A few exotic characters fold into sequences that fold again (compatibility forms that
    # case-fold to non-NFKC text); iterate to the fixed point so idempotence is exact.
    for _ in range(8):
        folded = _fold_once(s)
        if folded == s:
            break
        s = folded
    return s


def _case_like(source: str, latin: str, all_capitals: bool) -> str:
    if not latin or not source.isupper():
        return latin
    return latin.upper() if all_capitals else latin[:1].upper() + latin[1:]


def transliterate(s: str) -> str:
    """Cyrillic letters written in Latin by ICAO Doc 9303 (the Russian passport scheme).

    Case is kept (Щукина → Shchukina, ЩУКИНА → SHCHUKINA); every other character is left as is.
    """
    out: list[str] = []
    for i, ch in enumerate(s):
        latin = _ICAO.get(ch.lower())
        if latin is None:
            out.append(ch)
            continue
        following = s[i + 1 : i + 2]
        preceding = s[i - 1 : i]
        # ЩУКИНА is all capitals (SHCHUKINA); Щукина only starts with one (Shchukina).
        all_capitals = following.isupper() or (not following.isalpha() and preceding.isupper())
        out.append(_case_like(ch, latin, all_capitals))
    return "".join(out)


def _spellings_of_word(word: str) -> list[tuple[str, ...]]:
    """One tuple of possible Latin spellings per Cyrillic letter (or ending) of a folded word."""
    units: list[tuple[str, ...]] = []
    i = 0
    while i < len(word):
        pair = word[i : i + 2]
        if pair in _ENDING_OPTIONS and i + 2 == len(word):
            units.append(_ENDING_OPTIONS[pair])
            i += 2
            continue
        if pair in _PAIR_OPTIONS:
            units.append(_PAIR_OPTIONS[pair])
            i += 2
            continue
        ch = word[i]
        options = _LETTER_OPTIONS.get(ch, (ch,))
        if ch == "е" and (i == 0 or word[i - 1] in _YE_AFTER):
            options = ("e", "ye", "je")
        units.append(options)
        i += 1
    return units


def _scheme_spellings(word: str) -> set[str]:
    """One spelling per scheme: the fallback when the combinations would be too many."""
    units = _spellings_of_word(word)
    longest = max((len(u) for u in units), default=1)
    return {"".join(u[min(k, len(u) - 1)] for u in units) for k in range(longest)}


# Whole-word national conventions for Russian names, as asylum offices, consulates and the
# press of each country write them: French (Kouznetsov, Tchaïkovski), German (Kusnezow,
# Tschaikowski) and Polish (Kuzniecow, Czajkowski). Each is one spelling per word, added on top
# of the letter-by-letter combinations so that none of them is cut off by VARIANT_LIMIT.
_NATIONAL_LETTERS: dict[str, dict[str, str]] = {
    "french": {
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "io", "ж": "j",
        "з": "z", "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
        "п": "p", "р": "r", "с": "s", "т": "t", "у": "ou", "ф": "f", "х": "kh", "ц": "ts",
        "ч": "tch", "ш": "ch", "щ": "chtch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "iou",
        "я": "ia",
    },
    "german": {
        "а": "a", "б": "b", "в": "w", "г": "g", "д": "d", "е": "e", "ё": "jo", "ж": "sch",
        "з": "s", "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
        "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "ch", "ц": "z",
        "ч": "tsch", "ш": "sch", "щ": "schtsch", "ъ": "", "ы": "y", "ь": "", "э": "e",
        "ю": "ju", "я": "ja",
    },
    "polish": {
        "а": "a", "б": "b", "в": "w", "г": "g", "д": "d", "е": "ie", "ё": "io", "ж": "ż",
        "з": "z", "и": "i", "й": "j", "к": "k", "л": "ł", "м": "m", "н": "n", "о": "o",
        "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "ch", "ц": "c",
        "ч": "cz", "ш": "sz", "щ": "szcz", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "iu",
        "я": "ia",
    },
}
# At the start of a word and after a vowel or a sign, the iotated vowels take their "j" or "i"
# form: German Jelzin, Polish Jelcyn, French Iouri.
_NATIONAL_INITIAL: dict[str, dict[str, str]] = {
    "french": {"е": "e", "ё": "io", "ю": "iou", "я": "ia"},
    "german": {"е": "je", "ё": "jo", "ю": "ju", "я": "ja"},
    "polish": {"е": "je", "ё": "jo", "ю": "ju", "я": "ja"},
}
_NATIONAL_ENDINGS: dict[str, dict[str, str]] = {
    "french": {"ий": "i", "ый": "y", "ой": "oi"},
    "german": {"ий": "ij", "ый": "yj", "ой": "oj"},
    "polish": {"ий": "ij", "ый": "yj", "ой": "oj"},
}
# Polish writes the hard л as ł and the soft one as l; after ж, ш, ц, ч the vowel и is y.
_POLISH_SOFTENING = set("еёиюяь")
_POLISH_HARD = set("жшцч")


def _national_spelling(word: str, scheme: str) -> str:
    letters = _NATIONAL_LETTERS[scheme]
    initial = _NATIONAL_INITIAL[scheme]
    out: list[str] = []
    i = 0
    while i < len(word):
        ending = word[i:]
        if len(ending) == 2 and ending in _NATIONAL_ENDINGS[scheme]:
            # -ский, -цкий: Tschaikowski, Czajkowski, Tchaïkovski all end in a plain i.
            after_k = ending == "ий" and word[i - 1 : i] in ("к", "г", "х")
            out.append("i" if after_k else _NATIONAL_ENDINGS[scheme][ending])
            break
        ch = word[i]
        previous = word[i - 1] if i else ""
        following = word[i + 1] if i + 1 < len(word) else ""
        if scheme == "french" and ch in "её" and previous in ("ь", "ъ"):
            spelled = "ie" if ch == "е" else "io"  # Vassiliev, Soloviov
        elif ch in initial and (not previous or previous in _YE_AFTER):
            spelled = initial[ch]
        elif scheme == "polish" and ch == "л" and following in _POLISH_SOFTENING:
            spelled = "l"
        elif scheme == "polish" and ch == "и" and previous in _POLISH_HARD:
            spelled = "y"
        elif scheme == "polish" and ch in "ея" and previous == "л":
            # Soft л already carries the softness: Ленин → Lenin, not "Lienin".
            spelled = {"е": "e", "я": "a"}[ch]
        elif scheme in ("french", "german") and ch == "с" and previous in _VOWELS \
                and following in _VOWELS:
            # A single s between vowels would read as z in both languages: Vassiliev.
            spelled = "ss"
        else:
            spelled = letters.get(ch, ch)
        out.append(spelled)
        i += 1
    return "".join(out)


def national_spellings(s: str) -> dict[str, str]:
    """The French, German and Polish spellings of a Cyrillic text, by convention, folded.

    Кузнецов → french "kouznetsov", german "kusnezow", polish "kuzniecow". Polish keeps ł and
    its folded ż (z) because fold() keeps ł; the plain-l spelling is among the
    transliteration_variants.
    """
    words = _fold_once(s, keep_yo=True).split(" ")
    return {scheme: fold(" ".join(_national_spelling(w, scheme) for w in words))
            for scheme in _NATIONAL_LETTERS}


def transliteration_variants(s: str) -> set[str]:
    """Latin spellings under which Cyrillic text may appear, folded (lower case).

    Covers ICAO 9303, GOST 7.79-2000 system B (letters only), BGN/PCGN (no diacritics), the
    French, German and Polish conventions (Kouznetsov, Kusnezow, Kuzniecow) and common
    informal spellings: Юрий → iurii, yuriy, yurij, yuri...; Иванова → ivanova, iwanowa...;
    Щукин → shchukin, shukin, schukin.... Words are combined with a single space. Text without
    Cyrillic letters gives only its own folded form. At most VARIANT_LIMIT spellings per word are
    combined letter by letter; beyond that each scheme contributes one spelling.
    """
    # ё is kept until the letters are spelled, so that Ёлкин also gives "yolkin".
    words = _fold_once(s, keep_yo=True).split(" ")
    per_word: list[set[str]] = []
    for word in words:
        units = _spellings_of_word(word)
        count = 1
        for unit in units:
            count *= len(unit)
            if count > VARIANT_LIMIT:
                break
        if count > VARIANT_LIMIT:
            per_word.append(_scheme_spellings(word))
        else:
            per_word.append({"".join(p) for p in itertools.product(*units)})
    national = national_spellings(" ".join(words))
    # The national spellings come first so that the cap below never drops them; the Polish
    # one is also given with plain l, as it is typed on keyboards without Polish letters.
    variants: set[str] = set(national.values())
    variants.add(national["polish"].replace("ł", "l"))
    for combo in itertools.product(*per_word):
        variants.add(" ".join(combo))
        if len(variants) >= VARIANT_LIMIT * 4:
            break
    variants.add(fold(transliterate(" ".join(words))))
    return {fold(v) for v in variants}


# Applied in order, repeatedly, until nothing changes: each rule maps several Latin spellings
# of one Russian sound onto one, so that Yuriy, Yuri, Iurii and Jurij meet.
_SKELETON_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"['`ʹʺ’]", ""),
        (r"x", "ks"),
        (r"tsch|tch", "ch"),
        (r"shch|sch|shh", "sh"),
        (r"kh", "h"),
        (r"ts|tz|cz", "c"),
        (r"[yj]", "i"),
        (r"w", "v"),
        (r"ie|io", "e"),
        (r"([a-z])\1+", r"\1"),
    )
)


def latin_skeleton(s: str) -> str:
    """A coarse key that makes informal Latin spellings of one Russian name equal.

    Folds, then merges spellings: y/j → i, w → v, kh → h, shch/sch/shh → sh, ts/tz/cz → c,
    x → ks, ie/io → e, doubled letters → one. Yuriy, Yuri, Iurii, Jurij all give "iuri";
    Iwanowa and Ivanova give "ivanova". Coarse on purpose (search recall), so never used where a
    false match would hide or reveal something. Idempotent.
    """
    s = fold(s)
    for _ in range(16):
        before = s
        for pattern, replacement in _SKELETON_RULES:
            s = pattern.sub(replacement, s)
        s = fold(s)
        if s == before:
            break
    return s


def search_keys(s: str) -> set[str]:
    """The normalised forms under which a text can be found.

    ``fold(s)``, its ICAO transliteration folded, and the Latin skeleton of that transliteration.
    A query matches a document when one of the query's keys is a substring of one of the
    document's keys: "Ivanov" finds "Иванов", "ёлкин" finds "Елкин", "Yuri" finds "Юрий".
    Every key k satisfies ``fold(k) == k`` and ``search_keys(k) <= search_keys(s)``.
    """
    folded = fold(s)
    latin = fold(transliterate(folded))
    return {folded, latin, latin_skeleton(latin)}


# -- word forms ----------------------------------------------------------------------------------
# Russian inflects: a summons is «Повестка» on the paper and «повестки» in a search; a surname is
# «Иванову» in an order and "ivanova" on a visa. Search therefore also compares dictionary forms
# (lemmas, from pymorphy3's dictionary, loaded on first use and cached per word).

_TOKEN = re.compile(r"[^\W\d_]{2,}")
_CYRILLIC = re.compile(r"[а-яёіїєґў]")
#: Words lemmatised per text: a long note is searched by the dictionary forms of its first ones.
LEMMA_WORD_LIMIT = 2000

# A Latin word read back into Cyrillic, to find its dictionary form ("ivanova" → «иванова»).
# Longest spellings first; one reading is enough because the lemma is transliterated again.
_READ_BACK: tuple[tuple[str, str], ...] = (
    ("shch", "щ"), ("sch", "щ"), ("zh", "ж"), ("kh", "х"), ("ts", "ц"), ("ch", "ч"),
    ("sh", "ш"), ("iu", "ю"), ("yu", "ю"), ("ju", "ю"), ("ia", "я"), ("ya", "я"), ("ja", "я"),
    ("yo", "ё"), ("ye", "е"), ("a", "а"), ("b", "б"), ("v", "в"), ("w", "в"), ("g", "г"),
    ("d", "д"), ("e", "е"), ("z", "з"), ("i", "и"), ("y", "ы"), ("j", "й"), ("k", "к"),
    ("l", "л"), ("m", "м"), ("n", "н"), ("o", "о"), ("p", "п"), ("r", "р"), ("s", "с"),
    ("t", "т"), ("u", "у"), ("f", "ф"), ("h", "х"), ("c", "ц"), ("x", "кс"), ("q", "к"),
)
_ENDINGS_BACK: tuple[tuple[str, str], ...] = (("iy", "ий"), ("ii", "ий"), ("yi", "ый"),
                                              ("ij", "ий"))


@functools.cache
def morph_analyzer() -> Any:
    """The process's one pymorphy3 analyzer, loaded on first use (None without pymorphy3);
    search and the name detectors share it, so its dictionary loads once."""
    try:
        import pymorphy3
    except ImportError:  # pragma: no cover - a dependency; without it search keeps exact forms
        return None
    return pymorphy3.MorphAnalyzer()


def _read_back(latin: str) -> str:
    ending = ""
    for spelling, letters in _ENDINGS_BACK:
        if latin.endswith(spelling) and len(latin) > len(spelling) + 1:
            latin, ending = latin[: -len(spelling)], letters
            break
    out: list[str] = []
    i = 0
    while i < len(latin):
        for spelling, letters in _READ_BACK:
            if latin.startswith(spelling, i):
                out.append(letters)
                i += len(spelling)
                break
        else:
            out.append(latin[i])
            i += 1
    return "".join(out) + ending


@functools.lru_cache(maxsize=131072)
def _word_lemmas(word: str) -> frozenset[str]:
    """Folded dictionary forms of one folded word (every reading pymorphy3 offers), with their
    Latin transliteration and skeleton; empty for a word that is not Russian or Latin."""
    morph = morph_analyzer()
    if morph is None:
        return frozenset()
    if _CYRILLIC.search(word):
        cyrillic = word
    elif word.isascii() and len(word) >= 3:
        cyrillic = _read_back(word)
    else:
        return frozenset()
    lemmas = {fold(parse.normal_form) for parse in morph.parse(cyrillic)}
    keys: set[str] = set()
    for lemma in lemmas:
        latin = fold(transliterate(lemma))
        keys |= {lemma, latin, latin_skeleton(latin)}
    keys.discard("")
    return frozenset(keys)


def dictionary_form(word: str) -> str:
    """The likeliest dictionary form of one word, folded («повестки» → «повестка»); the word
    itself, folded, when it is not a Russian word."""
    folded = fold(word)
    morph = morph_analyzer()
    if morph is None or not _CYRILLIC.search(folded) or " " in folded:
        return folded
    return fold(morph.parse(folded)[0].normal_form)


def lemma_keys(s: str) -> set[str]:
    """The dictionary forms of the words of ``s`` (see :func:`search_keys` for how they are
    compared): «Повестки Иванову» gives повестка, povestka, иванов, ivanov…"""
    keys: set[str] = set()
    seen: set[str] = set()
    for token in _TOKEN.findall(fold(s)):
        if token in seen:
            continue
        seen.add(token)
        if len(seen) > LEMMA_WORD_LIMIT:
            break
        keys |= _word_lemmas(token)
    return keys


def query_word_keys(query: str) -> list[set[str]]:
    """A search query as one set of keys per word; a document matches when, for every word,
    one of its keys is a substring of one of the document's keys. Each word's keys are its
    :func:`search_keys` and the :func:`lemma_keys` of its own dictionary forms."""
    words: list[set[str]] = []
    for word in fold(query).split(" "):
        if not word:
            continue
        keys = {k for k in search_keys(word) if k}
        keys |= lemma_keys(word)
        if keys:
            words.append(keys)
    return words
