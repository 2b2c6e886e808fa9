"""Text normalisation: folding, transliteration and the search keys the vault uses."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from papka.text import (
    fold,
    latin_skeleton,
    search_keys,
    transliterate,
    transliteration_variants,
)

RUSSIAN = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ"
russian_text = st.text(alphabet=RUSSIAN + " -.,\n\t", max_size=60)
any_text = st.text(max_size=80)


def finds(query: str, document: str) -> bool:
    """The vault's rule: some key of the query is inside some key of the document."""
    return any(q in d for q in search_keys(query) for d in search_keys(document))


# ---- fold ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "folded"), [
    ("Ёлкин", "елкин"),
    ("ЁЛКИН", "елкин"),
    ("Йошкар-Ола", "йошкар-ола"),
    ("Иванов   Иван\n\tИванович ", "иванов иван иванович"),
    ("Café Müller", "cafe muller"),
    ("ﬁle №5", "file no5"),
    ("Ива\u00adнова", "иванова"),
    ("Straße", "strasse"),
])
def test_fold_examples(raw: str, folded: str) -> None:
    assert fold(raw) == folded


def test_fold_keeps_short_i_distinct_from_i() -> None:
    assert fold("Й") == "й"
    assert fold("й") != fold("и")
    # A decomposed й (и + combining breve) is the same letter after folding.
    assert fold("и\u0306") == "й"
    # A decomposed ё (е + combining diaeresis) folds to е like the composed one.
    assert fold("е\u0308") == "е"


@given(any_text)
def test_fold_is_idempotent(s: str) -> None:
    assert fold(fold(s)) == fold(s)


@given(any_text)
def test_fold_has_no_edge_or_double_spaces(s: str) -> None:
    folded = fold(s)
    assert folded == folded.strip()
    assert "  " not in folded
    assert "ё" not in folded


# ---- transliteration ----------------------------------------------------------------------------

@pytest.mark.parametrize(("cyrillic", "latin"), [
    # ICAO Doc 9303, as printed in Russian international passports.
    ("Мария Юрьевна Щукина", "Mariia Iurevna Shchukina"),
    ("ЩУКИНА", "SHCHUKINA"),
    ("Ёлкин Хасан Цой", "Elkin Khasan Tsoi"),
    ("Подъячев", "Podieiachev"),
    ("Жуков, в/ч 12345", "Zhukov, v/ch 12345"),
    ("Ivanov", "Ivanov"),
])
def test_transliterate_follows_icao(cyrillic: str, latin: str) -> None:
    assert transliterate(cyrillic) == latin


@given(russian_text)
def test_transliterate_leaves_no_cyrillic(s: str) -> None:
    assert not any("а" <= ch.lower() <= "я" or ch.lower() == "ё" for ch in transliterate(s))


@pytest.mark.parametrize(("cyrillic", "spellings"), [
    ("Юрий", {"iurii", "yuriy", "yurij", "yuri", "jurij"}),
    ("Иванова", {"ivanova", "iwanowa"}),
    ("Ивановой", {"ivanovoi", "ivanovoy", "ivanovoj"}),
    ("Щукин", {"shchukin", "shukin", "schukin", "shhukin"}),
    ("Мария", {"mariia", "maria", "mariya", "marija"}),
    ("Наталья", {"natalia", "natalya", "natalja"}),
    ("Алексей", {"aleksei", "alexey", "aleksey", "alexei"}),
    ("Ёлкин", {"elkin", "yolkin"}),
    ("Хачатрян", {"khachatrian", "khachatryan", "hachatryan"}),
    ("Цой", {"tsoi", "tsoy", "tsoj", "tzoi", "coj"}),
    ("Журавлёв", {"zhuravlev", "zhuravlyov", "juravlev"}),
])
def test_transliteration_variants_cover_usual_spellings(cyrillic: str,
                                                         spellings: set[str]) -> None:
    variants = transliteration_variants(cyrillic)
    assert spellings <= variants
    assert fold(transliterate(cyrillic)) in variants


def test_transliteration_variants_of_phrases_and_latin() -> None:
    assert "mariia ivanova" in transliteration_variants("Мария Иванова")
    assert "maria ivanova" in transliteration_variants("Мария Иванова")
    assert transliteration_variants("Smith") == {"smith"}


@given(russian_text)
@settings(max_examples=60)
def test_transliteration_variants_are_bounded_and_folded(s: str) -> None:
    variants = transliteration_variants(s)
    assert 1 <= len(variants) <= 4 * 512 + 1
    assert all(fold(v) == v for v in variants)


# ---- search keys --------------------------------------------------------------------------------

@pytest.mark.parametrize(("query", "document"), [
    ("Ivanov", "Иванов"),
    ("Ivanov", "Справка выдана Ивановой Марии"),
    ("Иванов", "IVANOV SERGEI"),
    ("ёлкин", "Елкин"),
    ("Елкин", "ЁЛКИН"),
    ("Yuri", "Юрий Петров"),
    ("Yuriy", "Iurii Petrov"),
    ("Iwanowa", "Иванова"),
    ("Shchukina", "щукина"),
    ("в/ч 12345", "Приказ по В/Ч 12345"),
])
def test_search_finds_across_alphabets(query: str, document: str) -> None:
    assert finds(query, document)


@pytest.mark.parametrize(("query", "document"), [
    ("Петров", "Иванов"),
    ("Petrov", "Иванов"),
    ("Ёлкин", "Ёжиков"),
    ("12345", "54321"),
])
def test_search_does_not_find_what_is_not_there(query: str, document: str) -> None:
    assert not finds(query, document)


@given(any_text)
def test_search_keys_are_folded_and_closed(s: str) -> None:
    keys = search_keys(s)
    assert fold(s) in keys
    for key in keys:
        assert fold(key) == key
        assert search_keys(key) <= keys


@given(any_text)
def test_latin_skeleton_is_idempotent(s: str) -> None:
    assert latin_skeleton(latin_skeleton(s)) == latin_skeleton(s)


@given(st.sampled_from(["Иванов", "Мария", "Щукина", "Юрий", "Ёлкин", "Хачатрян", "Цой"]),
       st.text(alphabet=RUSSIAN + " ,.", max_size=30),
       st.text(alphabet=RUSSIAN + " ,.", max_size=30))
def test_a_cyrillic_name_is_found_in_any_text_by_its_latin_spelling(
        name: str, before: str, after: str) -> None:
    document = f"{before} {name} {after}"
    assert finds(name, document)
    assert finds(transliterate(name), document)
    assert finds(name.upper(), document)


@given(st.text(alphabet=RUSSIAN, min_size=1, max_size=20))
def test_any_russian_word_and_its_transliteration_find_each_other(word: str) -> None:
    assert finds(transliterate(word), word)
    assert finds(word, transliterate(word))
    assert fold(transliterate(word)) in transliteration_variants(word)


@given(st.text(alphabet=st.sampled_from(
    [chr(c) for c in range(128)] + [chr(c) for c in range(0x410, 0x450)] + ["ё", "Ё"])))
def test_ascii_and_russian_text_folds_as_the_full_steps_would(s: str) -> None:
    import unicodedata

    from papka.text import _WHITESPACE, _fold_once, _strip_latin_marks

    for keep_yo in (False, True):
        slow = unicodedata.normalize("NFKC", s).casefold()
        slow = slow if keep_yo else slow.replace("ё", "е")
        slow = "".join(c for c in _strip_latin_marks(slow) if unicodedata.category(c) != "Cf")
        assert _fold_once(s, keep_yo=keep_yo) == _WHITESPACE.sub(" ", slow).strip()
