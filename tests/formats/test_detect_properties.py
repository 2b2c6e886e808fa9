"""Properties of detect() on arbitrary and hostile text: never raises, never hangs, and always
returns sorted, non-overlapping, in-bounds spans whose text is the text at those offsets."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from papka.formats.detect import CATEGORIES, PRESETS, Finding, detect

# Pieces that make detectors fire, so that random text exercises their edges and overlaps.
FRAGMENTS = [
    "Иванова", "Ивановой", "Ivanova", "М.П.", "в/ч", "войсковой части", "12345", "54321-А",
    "+7", "8", "(912)", "345-67-89", "+374", "+995", "паспорт", "серия", "45 06", "№",
    "123456", "1234567", "АВ", "ИНН", "500100732259", "7707083893", "112-233-445 95",
    "@", "mail.ru", "55.7558", "37.6173", "55°45′21″N", "°", "′", "″", "дата рождения",
    "12.03.1995", "г.р.", "15 апреля 2024", "г.", "Москва", "ул.", "Ленина", "д.", "5",
    "кв.", "12", "обл.", "р-н", "с.", "пос.", "-\n", "\u00ad", "\u0301", " ", ", ", "\n",
    ".", "-", "ё", "Ё", "й", "ﬁ", "\u200b", "\t",
]
fragment_text = st.lists(st.sampled_from(FRAGMENTS), max_size=40).map("".join)
hide_lists = st.lists(
    st.one_of(st.sampled_from(["Иванова Мария", "Ёлкин", "89123456789", "в/ч 12345", "Yuriy",
                               "", " ", "-", "№", "Сокол-7"]),
              st.text(max_size=12)),
    max_size=3,
)


def check_contract(text: str, found: list[Finding], preset: str) -> None:
    previous_end = 0
    for finding in found:
        assert 0 <= finding.start < finding.end <= len(text)
        assert finding.start >= previous_end
        previous_end = finding.end
        assert finding.text == text[finding.start : finding.end]
        assert finding.category in CATEGORIES
        assert finding.category in PRESETS[preset]


@given(st.text(max_size=300), st.sampled_from(sorted(PRESETS)), hide_lists)
@settings(max_examples=300, deadline=None)
def test_detect_never_raises_on_arbitrary_text(text: str, preset: str, hide: list[str]) -> None:
    check_contract(text, detect(text, preset=preset, hide=hide, use_ner=False), preset)


@given(fragment_text, st.sampled_from(sorted(PRESETS)), hide_lists)
@settings(max_examples=400, deadline=None)
def test_detect_contract_on_text_full_of_identifiers(text: str, preset: str,
                                                     hide: list[str]) -> None:
    check_contract(text, detect(text, preset=preset, hide=hide, use_ner=False), preset)


@given(st.one_of(fragment_text, st.text(max_size=200)))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_detect_contract_with_ner(text: str) -> None:
    check_contract(text, detect(text, preset="ru-strict", use_ner=True), "ru-strict")


@given(fragment_text)
@settings(max_examples=100, deadline=None)
def test_detect_is_deterministic_and_preset_monotone(text: str) -> None:
    personal = detect(text, preset="ru-personal", hide=["Иванова"], use_ner=False)
    assert personal == detect(text, preset="ru-personal", hide=["Иванова"], use_ner=False)
    strict = detect(text, preset="ru-strict", hide=["Иванова"], use_ner=False)
    # Everything hidden under ru-personal is also hidden under ru-strict.
    covered = [(f.start, f.end) for f in strict]
    for finding in personal:
        assert any(s <= finding.start and finding.end <= e for s, e in covered)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("hostile", [
    "1" * 200_000,
    "1 " * 100_000,
    "+7 " * 60_000,
    "ул. Ленина " * 20_000,
    "д. 5, " * 40_000,
    "a.a.a." * 40_000,
    ("a" * 60 + "@") * 3_000,
    "55.7558 " * 25_000,
    "Ива-\n" * 30_000,
    "паспорт " * 25_000,
    "Малые Вишенки " * 15_000,
    "\u0301" * 100_000,
])
def test_hostile_text_finishes(hostile: str) -> None:
    # A timeout (not a wall-clock assertion) catches catastrophic regex backtracking.
    found = detect(hostile, hide=["Иванова", "12345"], use_ner=False)
    check_contract(hostile, found, "ru-personal")
