"""What a keeper meets at the command line: kinds by name, typos refused, search by word form,
yes/no in either layout, generated passphrases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from papka.cli.kinds import KIND_NAMES, resolve_kind
from papka.cli.problems import CommandUsageError
from papka.cli.questions import read_yes_no
from papka.vault import KINDS

from .conftest import DECOY, Papka


def _add(papka: Papka, paper: Path, *args: str) -> str:
    result = papka("add", str(paper), *args, passphrases=[DECOY])
    assert result.exit_code == 0, result.output
    return result.stdout.split()[0]


def test_every_built_in_kind_has_a_russian_name(papka: Papka) -> None:
    assert set(KIND_NAMES) == set(KINDS)
    result = papka("--lang", "ru", "--json", "kinds", container=False)
    assert result.exit_code == 0, result.output
    names = json.loads(result.stdout)["names"]
    assert set(names) == set(KINDS)
    for kind, name in names.items():
        assert any("а" <= c <= "я" for c in name.lower()), (kind, name)
    table = papka("--lang", "ru", "kinds", container=False)
    assert "повестка" in table.stdout and "уголовное дело" in table.stdout


def test_a_misspelt_kind_is_refused_with_the_closest_ones(decoy_only: Papka,
                                                         paper: Path) -> None:
    result = decoy_only("add", str(paper), "--kind", "criminal-cse", passphrases=[DECOY])
    assert result.exit_code == 1
    assert "does not know this kind" in result.stderr
    assert "Did you mean: criminal-case" in result.stderr
    assert "criminal-cse" not in result.stderr
    listed = decoy_only("--json", "list", passphrases=[DECOY])
    assert json.loads(listed.stdout)["documents"] == []


@pytest.mark.parametrize("typed", ["summons", "повестка", "Повестка", "SUMMONS", "повестки"])
def test_a_kind_can_be_typed_by_its_name_in_either_language(typed: str) -> None:
    assert resolve_kind(typed, KINDS) == "summons"


def test_a_kind_name_in_another_grammatical_form_is_understood() -> None:
    assert resolve_kind("уголовного дела", KINDS) == "criminal-case"
    assert resolve_kind("военного билета", KINDS) == "military-id"


def test_a_russian_typo_gets_a_suggestion() -> None:
    with pytest.raises(CommandUsageError) as caught:
        resolve_kind("уголвное дело", KINDS)
    assert caught.value.hint is not None and "criminal-case" in caught.value.hint


def test_own_kinds_are_added_explicitly_and_kept_in_the_compartment(decoy_only: Papka,
                                                                     paper: Path) -> None:
    refused = decoy_only("add", str(paper), "--kind", "справка-о-ранении",
                         passphrases=[DECOY])
    assert refused.exit_code == 1
    added = decoy_only("kinds", "add", "Справка о ранении", passphrases=[DECOY])
    assert added.exit_code == 0, added.output
    doc_id = _add(decoy_only, paper, "--kind", "справка-о-ранении")
    shown = decoy_only("--json", "show", doc_id, passphrases=[DECOY])
    assert json.loads(shown.stdout)["kind"] == "справка-о-ранении"
    listed = decoy_only("--json", "kinds", passphrases=[DECOY])
    assert json.loads(listed.stdout)["own"] == ["справка-о-ранении"]
    assert "справка-о-ранении" in json.loads(listed.stdout)["kinds"]
    again = decoy_only("kinds", "add", "справка-о-ранении", passphrases=[DECOY])
    assert "already knows" in again.stdout


def test_tables_show_the_kind_in_the_keepers_language(decoy_only: Papka, paper: Path) -> None:
    _add(decoy_only, paper, "--kind", "summons")
    listed = decoy_only("--lang", "ru", "list", passphrases=[DECOY])
    assert "повестка" in listed.stdout
    assert "summons" not in listed.stdout
    by_kind = decoy_only("--json", "list", "--kind", "повестка", passphrases=[DECOY])
    assert len(json.loads(by_kind.stdout)["documents"]) == 1


@pytest.mark.parametrize(("answer", "meaning"), [
    ("y", True), ("yes", True), ("д", True), ("да", True), ("Да", True), ("Y", True),
    ("n", False), ("no", False), ("н", False), ("нет", False), ("", False), ("maybe", None),
])
def test_yes_and_no_in_either_language(answer: str, meaning: bool | None) -> None:
    assert read_yes_no(answer, default=False) is meaning


def test_remove_takes_da_for_yes(decoy_only: Papka, paper: Path) -> None:
    doc_id = _add(decoy_only, paper)
    kept = decoy_only("remove", doc_id, passphrases=[DECOY], input="н\n")
    assert kept.exit_code == 1
    gone = decoy_only("remove", doc_id, passphrases=[DECOY], input="да\n")
    assert gone.exit_code == 0, gone.output
    assert "was removed" in gone.stdout


def test_every_redaction_category_has_a_name_in_both_languages() -> None:
    from papka.cli.categories import CATEGORY_NAMES, category_label
    from papka.cli.i18n import set_language
    from papka.formats.detect import CATEGORIES

    assert set(CATEGORIES) <= set(CATEGORY_NAMES)
    set_language("ru")
    try:
        for category in CATEGORY_NAMES:
            assert any("а" <= c <= "я" for c in category_label(category).lower()), category
    finally:
        set_language("en")


def test_an_unredacted_export_says_original_unchanged() -> None:
    from papka.cli.categories import redaction_text as _redaction_text
    from papka.cli.i18n import set_language

    assert _redaction_text(None) == "nothing: original, unchanged"
    set_language("ru")
    try:
        assert _redaction_text(None) == "ничего: оригинал, без изменений"
        assert "целиком" not in _redaction_text(None)
        assert _redaction_text({"address": 2}) == "адрес 2"
    finally:
        set_language("en")


def test_list_finds_word_forms_and_takes_several_words(decoy_only: Papka, workdir: Path) -> None:
    first, second = workdir / "scan1.jpg", workdir / "scan2.jpg"
    first.write_bytes(b"one")
    second.write_bytes(b"two")
    summons = _add(decoy_only, first, "--kind", "summons", "--title", "Повестка")
    order = _add(decoy_only, second, "--kind", "order", "--title", "Приказ 217 Иванову")

    def found(*words: str) -> list[str]:
        result = decoy_only("--json", "list", *words, passphrases=[DECOY])
        assert result.exit_code == 0, result.output
        return [d["id"] for d in json.loads(result.stdout)["documents"]]

    assert found("повестки") == [summons]
    assert found("ivanova") == [order]
    assert found("приказ", "217") == [order]
    assert found("приказ", "218") == []


def test_passphrase_prints_six_words_from_the_list_and_nothing_else(papka: Papka) -> None:
    from papka.cli.passphrase_words import LIST_SIZE, words

    listed = set(words())
    assert len(listed) == LIST_SIZE == 7776
    seen: set[str] = set()
    for _ in range(5):
        result = papka("passphrase", container=False)
        assert result.exit_code == 0, result.output
        assert result.stderr == ""
        lines = result.stdout.splitlines()
        assert len(lines) == 1
        phrase = lines[0].split(" ")
        assert len(phrase) == 6 and set(phrase) <= listed
        seen.add(lines[0])
    assert len(seen) == 5          # 77 bits: five draws never repeat


def test_generation_uses_the_given_choice_for_every_word() -> None:
    from papka.cli.passphrase_words import generate_passphrase, words

    picks = iter(range(6))
    phrase = generate_passphrase(choice=lambda seq: seq[next(picks) * 1000])
    assert phrase.split(" ") == [words()[i * 1000] for i in range(6)]


def test_generate_needs_a_terminal(papka: Papka) -> None:
    result = papka("init", "--size", "16M", "--generate")
    assert result.exit_code == 1
    assert "needs a terminal" in result.stderr
    assert not papka.container.exists()


def test_the_demo_says_how_to_run_papka_when_it_is_not_on_the_path() -> None:
    from papka.cli.demo import how_to_run_papka

    missing = how_to_run_papka(lambda name: None)
    assert "not on your PATH" in missing and "pipx install ." in missing
    assert "papka --help" in how_to_run_papka(lambda name: "/usr/bin/papka")
