"""Tables, sizes, the passphrase strength estimate and the delayed progress bar."""

from __future__ import annotations

import click
import pytest
from hypothesis import given
from hypothesis import strategies as st

from papka.cli.container import MIN_SIZE, parse_size
from papka.cli.output import Progress, display_width, human_size, render_table, shorten
from papka.cli.strength import estimate

cell = st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "Zs")),
               max_size=60)


@given(rows=st.lists(st.tuples(st.text("0123456789abcdef", min_size=8, max_size=8),
                               st.sampled_from(["summons", "criminal-case", "cv"]), cell,
                               st.text("abc,", max_size=12)), max_size=8),
       width=st.integers(min_value=60, max_value=200))
def test_tables_fit_the_terminal(rows: list[tuple[str, str, str, str]], width: int) -> None:
    table = render_table(["ID", "KIND", "TITLE", "TAGS"], [list(r) for r in rows],
                         flexible=2, width=width)
    for line in table.splitlines():
        assert display_width(line) <= width
    assert len(table.splitlines()) == len(rows) + 1


@given(text=cell, width=st.integers(min_value=1, max_value=80))
def test_shorten_never_exceeds_the_width(text: str, width: int) -> None:
    short = shorten(text, width)
    assert display_width(short) <= width
    if display_width(text) <= width:
        assert short == text


def test_the_narrow_only_characters_are_all_narrow() -> None:
    import sys
    import unicodedata

    from papka.cli.output import NARROW_ONLY

    narrow = [chr(c) for c in range(sys.maxunicode + 1) if NARROW_ONLY.fullmatch(chr(c))]
    assert len(narrow) > 1000 and "ё" in narrow and "№" in narrow
    assert all(unicodedata.east_asian_width(c) not in "WF" for c in narrow)


@given(text=st.text(max_size=40))
def test_display_width_counts_wide_characters_twice(text: str) -> None:
    import unicodedata

    assert display_width(text) == sum(2 if unicodedata.east_asian_width(c) in "WF" else 1
                                      for c in text)
    assert display_width("Повестка 界") == 11


@pytest.mark.parametrize(("text", "size"), [
    ("16M", 16 * 2**20), ("1G", 2**30), ("1.5G", 3 * 2**29), ("64MiB", 64 * 2**20),
    ("300 МБ", 300 * 2**20), ("2g", 2**31), ("20000000", 20000000), ("512m", 512 * 2**20),
])
def test_sizes(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "M", "12 apples", "-5M", "1..2G"])
def test_bad_sizes(text: str) -> None:
    with pytest.raises(click.BadParameter):
        parse_size(text)


@given(st.integers(min_value=0, max_value=2**44))
def test_human_size_is_short(size: int) -> None:
    assert len(human_size(size)) <= 12


def test_min_size_is_the_library_minimum() -> None:
    from papka.vault.header import MIN_CONTAINER_SIZE

    assert MIN_SIZE == MIN_CONTAINER_SIZE


@pytest.mark.parametrize("weak", ["password", "123456", "qwerty123", "Masha1995", "пароль",
                                  "correct horse", "aaaaaaaaaaaaaaaaaaaaaaa"])
def test_weak_passphrases_are_called_weak(weak: str) -> None:
    assert estimate(weak).label == "weak"


@pytest.mark.parametrize("strong", ["lipa reka gora veter sneg more",
                                    "липа река гора ветер снег море",
                                    "tucha-raduga-parus-ostrov-kamen-zima"])
def test_six_words_are_strong(strong: str) -> None:
    result = estimate(strong)
    assert result.label == "strong" and result.words == 6


def test_repeated_words_count_once() -> None:
    assert estimate("lipa lipa lipa lipa").bits <= estimate("lipa").bits + 1


@given(st.text(max_size=200))
def test_estimate_is_never_negative_and_labels_follow_bits(text: str) -> None:
    result = estimate(text)
    assert result.bits >= 0
    assert result.weak == (result.label == "weak")


def test_progress_appears_only_after_a_second(capsys: pytest.CaptureFixture[str]) -> None:
    now = [0.0]
    with Progress("Working", clock=lambda: now[0], enabled=True) as progress:
        progress(10, 100)
        assert capsys.readouterr().err == ""
        now[0] = 1.5
        progress(50, 100)
        progress(100, 100)
    assert "Working" in capsys.readouterr().err


def test_progress_is_silent_when_stderr_is_not_a_terminal(
        capsys: pytest.CaptureFixture[str]) -> None:
    now = [0.0]
    with Progress("Working", clock=lambda: now[0]) as progress:
        now[0] = 5.0
        progress(50, 100)
    assert capsys.readouterr().err == ""
