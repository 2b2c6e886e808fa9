"""Each command's success, error paths, exit codes and --json shapes, through CliRunner."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from papka.vault import Container

from .conftest import DECOY, HIDDEN, Papka

WARNING = "only one compartment is open"


def test_init_creates_a_container_of_the_asked_size(papka: Papka) -> None:
    result = papka("init", "--size", "17M", new=DECOY)
    assert result.exit_code == 0, result.output
    assert papka.container.stat().st_size == 17 * 1024 * 1024
    assert "strength" in result.stderr
    assert "ready" in result.stdout


def test_init_refuses_an_existing_file(papka: Papka) -> None:
    papka.container.write_bytes(b"my thesis")
    result = papka("init", "--size", "16M", new=DECOY)
    assert result.exit_code == 1
    assert "papka: error: Something already exists" in result.stderr
    assert papka.container.read_bytes() == b"my thesis"


@pytest.mark.parametrize("size", ["1M", "lots", "15.9M"])
def test_init_refuses_bad_sizes(papka: Papka, size: str) -> None:
    result = papka("init", "--size", size, new=DECOY)
    assert result.exit_code == 1
    assert result.stderr.startswith("papka: error:")
    assert not papka.container.exists()


def test_init_needs_a_container_path(papka: Papka) -> None:
    result = papka("init", "--size", "16M", new=DECOY, container=False)
    assert result.exit_code == 1
    assert "No container was given." in result.stderr
    assert "papka: hint:" in result.stderr


def test_container_comes_from_the_environment(decoy_only: Papka, paper: Path) -> None:
    result = decoy_only("--json", "list", passphrases=[DECOY], container=False,
                        env={"PAPKA_CONTAINER": str(decoy_only.container)})
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"documents": []}


def test_wrong_passphrase_says_exactly_the_library_sentence(decoy_only: Papka) -> None:
    result = decoy_only("list", passphrases=["not the passphrase"])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == "papka: error: No compartment opens with this passphrase."
    assert result.stdout == ""


def test_add_list_show_get_remove(decoy_only: Papka, paper: Path, workdir: Path) -> None:
    added = decoy_only("--json", "add", str(paper), "--kind", "summons", "--tag", "court",
                       "--date", "2024-04-02", "--issuer", "СК", "--number", "12-34",
                       "--note", "first", passphrases=[DECOY])
    assert added.exit_code == 0, added.output
    document = json.loads(added.stdout)["added"][0]
    assert document["kind"] == "summons" and document["tags"] == ["court"]
    assert document["date"] == "2024-04-02" and document["compartment"] == 0
    doc_id = document["id"]

    listing = decoy_only("--json", "list", "povestka", passphrases=[DECOY])
    assert [d["id"] for d in json.loads(listing.stdout)["documents"]] == [doc_id]
    table = decoy_only("list", "--kind", "summons", passphrases=[DECOY])
    assert table.exit_code == 0 and doc_id in table.stdout and "KIND" in table.stdout
    none = decoy_only("--json", "list", "--since", "2025-01-01", passphrases=[DECOY])
    assert json.loads(none.stdout)["documents"] == []

    shown = decoy_only("--json", "show", doc_id[:4], passphrases=[DECOY])
    assert shown.exit_code == 0 and json.loads(shown.stdout)["number"] == "12-34"
    human = decoy_only("show", doc_id, passphrases=[DECOY])
    assert "Issuer:" in human.stdout and "СК" in human.stdout

    out = workdir / "back.txt"
    got = decoy_only("get", doc_id, "-o", str(out), passphrases=[DECOY])
    assert got.exit_code == 0, got.output
    assert out.read_bytes() == paper.read_bytes()
    again = decoy_only("get", doc_id, "-o", str(out), passphrases=[DECOY])
    assert again.exit_code == 1 and "already exists" in again.stderr
    forced = decoy_only("get", doc_id, "-o", str(out), "--force", passphrases=[DECOY])
    assert forced.exit_code == 0
    to_stdout = decoy_only("get", doc_id, "-o", "-", passphrases=[DECOY])
    assert to_stdout.stdout_bytes == paper.read_bytes()

    refused = decoy_only("remove", doc_id, passphrases=[DECOY], input="n\n")
    assert refused.exit_code == 1
    removed = decoy_only("remove", doc_id, "--yes", passphrases=[DECOY])
    assert removed.exit_code == 0
    gone = decoy_only("show", doc_id, passphrases=[DECOY])
    assert gone.exit_code == 1 and "papka: hint: Run `papka list`" in gone.stderr


def test_get_without_output_uses_the_file_name_in_the_current_folder(
        decoy_only: Papka, paper: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    decoy_only("add", str(paper), passphrases=[DECOY])
    doc_id = json.loads(decoy_only("--json", "list", passphrases=[DECOY]).stdout)[
        "documents"][0]["id"]
    here = workdir / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    result = decoy_only("get", doc_id, passphrases=[DECOY])
    assert result.exit_code == 0, result.output
    assert (here / "povestka.txt").read_bytes() == paper.read_bytes()


def test_add_a_folder_and_several_files(decoy_only: Papka, workdir: Path) -> None:
    folder = workdir / "scans"
    folder.mkdir()
    for name in ("b.jpg", "a.jpg"):
        (folder / name).write_bytes(name.encode() * 100)
    single = workdir / "c.txt"
    single.write_text("c")
    result = decoy_only("--json", "add", str(folder), str(single), "--tag", "scan",
                        passphrases=[DECOY])
    assert result.exit_code == 0, result.output
    added = json.loads(result.stdout)["added"]
    assert [d["filename"] for d in added] == ["a.jpg", "b.jpg", "c.txt"]
    assert all(d["tags"] == ["scan"] for d in added)


def test_add_errors(decoy_only: Papka, paper: Path, workdir: Path) -> None:
    missing = decoy_only("add", str(workdir / "nope.pdf"), passphrases=[DECOY])
    assert missing.exit_code == 1 and "does not exist" in missing.stderr
    assert "nope" not in missing.stderr
    bad_kind = decoy_only("add", str(paper), "--kind", "Bad Kind!", passphrases=[DECOY])
    assert bad_kind.exit_code == 1 and "does not know this kind" in bad_kind.stderr
    bad_date = decoy_only("add", str(paper), "--date", "02.04.2024", passphrases=[DECOY])
    assert bad_date.exit_code == 1 and "YYYY-MM-DD" in bad_date.stderr
    two_titles = decoy_only("add", str(paper), str(paper), "--title", "x", passphrases=[DECOY])
    assert two_titles.exit_code == 1 and "--title" in two_titles.stderr


def test_edit_changes_only_what_is_given(decoy_only: Papka, paper: Path) -> None:
    added = decoy_only("--json", "add", str(paper), "--tag", "a", "--tag", "draft",
                       "--number", "7", passphrases=[DECOY])
    doc_id = json.loads(added.stdout)["added"][0]["id"]
    result = decoy_only("--json", "edit", doc_id, "--title", "Повестка", "--add-tag", "court",
                        "--remove-tag", "draft", passphrases=[DECOY])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["title"] == "Повестка" and document["tags"] == ["a", "court"]
    assert document["number"] == "7"
    cleared = decoy_only("--json", "edit", doc_id, "--clear", "number", passphrases=[DECOY])
    assert json.loads(cleared.stdout)["number"] is None
    nothing = decoy_only("edit", doc_id, passphrases=[DECOY])
    assert nothing.exit_code == 1 and "Nothing to change" in nothing.stderr


def test_write_with_one_compartment_warns_once_the_same_way_whether_or_not_more_exist(
        decoy_only: Papka, paper: Path, workdir: Path) -> None:
    without = decoy_only("add", str(paper), str(paper), passphrases=[DECOY])
    assert without.stderr.count(WARNING) == 1
    other = Papka(container=workdir / "other.papka", runner=decoy_only.runner)
    other("init", "--size", "16M", new=DECOY)
    other("compartment", "add", "--yes", passphrases=[DECOY], new=HIDDEN)
    with_hidden = other("add", str(paper), str(paper), passphrases=[DECOY])
    warning = [line for line in without.stderr.splitlines() if WARNING in line]
    assert warning == [line for line in with_hidden.stderr.splitlines() if WARNING in line]
    # Reads never warn; opening every compartment does not warn.
    assert WARNING not in other("list", passphrases=[DECOY]).stderr
    assert WARNING not in other("add", str(paper), passphrases=[HIDDEN]).stderr


def test_hidden_compartment_and_levels(with_hidden: Papka, paper: Path) -> None:
    hidden = with_hidden("--json", "add", str(paper), "--title", "секрет", passphrases=[HIDDEN])
    assert json.loads(hidden.stdout)["added"][0]["compartment"] == 1
    decoy = with_hidden("--json", "--level", "0", "add", str(paper), "--title", "резюме",
                        passphrases=[HIDDEN])
    assert json.loads(decoy.stdout)["added"][0]["compartment"] == 0
    seen_by_decoy = json.loads(with_hidden("--json", "list", passphrases=[DECOY]).stdout)
    assert [d["title"] for d in seen_by_decoy["documents"]] == ["резюме"]
    everything = json.loads(with_hidden("--json", "list", "--all",
                                        passphrases=[HIDDEN]).stdout)
    assert sorted(d["compartment"] for d in everything["documents"]) == [0, 1]
    usage = json.loads(with_hidden("--json", "usage", passphrases=[HIDDEN]).stdout)
    assert usage["open_levels"] == [0, 1] and usage["documents"] == {"0": 1, "1": 1}
    assert set(usage) >= {"size", "used", "free", "decoy_share"}
    no_level = with_hidden("--level", "5", "list", passphrases=[DECOY])
    assert no_level.exit_code == 1 and "No open compartment has this level." in no_level.stderr


def test_compartment_add_needs_a_new_passphrase(decoy_only: Papka) -> None:
    same = decoy_only("compartment", "add", "--yes", passphrases=[DECOY], new=DECOY)
    assert same.exit_code == 1 and "already opens a compartment" in same.stderr
    result = decoy_only("--json", "compartment", "add", "--yes", passphrases=[DECOY], new=HIDDEN)
    assert result.exit_code == 0 and json.loads(result.stdout) == {"level": 1}


def test_passwd(decoy_only: Papka) -> None:
    result = decoy_only("passwd", passphrases=[DECOY], new="a new decoy passphrase here")
    assert result.exit_code == 0, result.output
    assert decoy_only("list", passphrases=[DECOY]).exit_code == 1
    assert decoy_only("list", passphrases=["a new decoy passphrase here"]).exit_code == 0


def test_same_descriptor_for_both_passphrases_is_refused(decoy_only: Papka) -> None:
    result = decoy_only.runner.invoke(
        __import__("papka.cli.main", fromlist=["cli"]).cli,
        ["-c", str(decoy_only.container), "--passphrase-fd", "0", "--new-passphrase-fd", "0",
         "passwd"], input=DECOY + "\n")
    assert result.exit_code == 1 and "different descriptors" in result.stderr


def test_check_reports_intact_and_damaged(decoy_only: Papka, paper: Path) -> None:
    decoy_only("add", str(paper), passphrases=[DECOY])
    good = decoy_only("--json", "check", passphrases=[DECOY])
    assert good.exit_code == 0, good.output
    report = json.loads(good.stdout)
    assert report["ok"] is True and report["documents_checked"] == 1
    # The decoy's blocks sit right after the first header region: spoil them.
    with open(decoy_only.container, "r+b") as handle:
        handle.seek(64 * 1024)
        handle.write(os.urandom(256 * 1024))
    damaged = decoy_only("--json", "check", passphrases=[DECOY])
    assert damaged.exit_code == 2, damaged.output
    assert damaged.stderr.startswith("papka: error:")


def test_a_locked_container_is_an_environment_problem(decoy_only: Papka) -> None:
    with Container.open(decoy_only.container, [DECOY]):
        result = decoy_only("list", passphrases=[DECOY])
    assert result.exit_code == 3
    assert "Another papka process is using this container." in result.stderr


def test_missing_container_and_bad_descriptor(papka: Papka) -> None:
    result = papka("list", passphrases=[DECOY])
    assert result.exit_code == 1 and "There is no container" in result.stderr
    bad_fd = papka.runner.invoke(
        __import__("papka.cli.main", fromlist=["cli"]).cli,
        ["-c", str(papka.container), "--new-passphrase-fd", "987", "init", "--size", "16M"])
    assert bad_fd.exit_code == 1 and "file descriptor 987" in bad_fd.stderr


def test_panic(decoy_only: Papka) -> None:
    refused = decoy_only("panic", input="no\n")
    assert refused.exit_code == 1 and "Nothing was erased" in refused.stderr
    assert decoy_only("list", passphrases=[DECOY]).exit_code == 0
    typed = decoy_only("panic", input="erase\n")
    assert typed.exit_code == 0, typed.output
    after = decoy_only("list", passphrases=[DECOY])
    assert after.exit_code == 1 and "No compartment opens" in after.stderr


def test_panic_yes_and_russian_word(with_hidden: Papka, workdir: Path) -> None:
    assert with_hidden("panic", "--yes").exit_code == 0
    assert with_hidden("list", passphrases=[HIDDEN]).exit_code == 1
    other = Papka(container=workdir / "other.papka", runner=with_hidden.runner)
    other("init", "--size", "16M", new=DECOY)
    assert other("--lang", "ru", "panic", input="стереть\n").exit_code == 0


def test_unexpected_errors_show_no_details(decoy_only: Papka,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("Образцов Пётр, ул. Вымышленная")

    monkeypatch.setattr(Container, "open", boom)
    result = decoy_only("list", passphrases=[DECOY])
    assert result.exit_code == 70
    assert "Образцов" not in result.output and "Traceback" not in result.output
    assert "papka: error: papka stopped because of an unexpected problem." in result.stderr


def test_click_usage_errors_exit_1_with_a_hint(papka: Papka) -> None:
    result = papka("list", "--no-such-option")
    assert result.exit_code == 1
    assert result.stderr.startswith("papka: error:")
    assert "--help" in result.stderr
    unknown = papka("fly")
    assert unknown.exit_code == 1


def test_passphrases_are_never_accepted_in_argv(papka: Papka) -> None:
    for option in ("--passphrase", "--password", "-p"):
        assert papka(option, "secret", "list").exit_code == 1


def test_version_kinds_and_help_everywhere(papka: Papka) -> None:
    version = papka("--version", container=False)
    assert version.exit_code == 0 and "papka" in version.stdout
    kinds = papka("--json", "kinds", container=False)
    assert "criminal-case" in json.loads(kinds.stdout)["kinds"]
    from papka.cli.main import cli

    for name in cli.commands:
        words = [name, "--help"]
        result = papka(*words, container=False)
        assert result.exit_code == 0, name
        assert "Examples:" in result.stdout or name == "compartment", name
    assert "Examples:" in papka("compartment", "add", "--help", container=False).stdout


def test_every_read_command_has_json(with_hidden: Papka, paper: Path) -> None:
    doc = json.loads(with_hidden("--json", "add", str(paper), passphrases=[HIDDEN]).stdout)
    doc_id = doc["added"][0]["id"]
    for words in (["list"], ["show", doc_id], ["check"], ["usage"], ["kinds"]):
        result = with_hidden("--json", *words, passphrases=[HIDDEN])
        assert result.exit_code == 0, words
        json.loads(result.stdout)


def test_note_reads_its_text_from_stdin(decoy_only: Papka) -> None:
    result = decoy_only("--json", "note", "--title", "Даты", "--tag", "timeline",
                        passphrases=[DECOY], input="12.03 — вызов в военкомат\n")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)["added"][0]
    assert document["kind"] == "note" and document["tags"] == ["timeline"]
    back = decoy_only("get", document["id"], "-o", "-", passphrases=[DECOY])
    assert back.stdout == "12.03 — вызов в военкомат\n"
    empty = decoy_only("note", "--title", "x", passphrases=[DECOY], input="  \n")
    assert empty.exit_code == 1 and "empty" in empty.stderr


def test_a_large_decoy_is_pointed_out(decoy_only: Papka, workdir: Path) -> None:
    big = workdir / "video.bin"
    big.write_bytes(os.urandom(9 * 1024 * 1024))
    result = decoy_only("add", str(big), passphrases=[DECOY])
    assert result.exit_code == 0, result.output
    assert result.stderr.count("more than half of the container") == 1
    usage = json.loads(decoy_only("--json", "usage", passphrases=[DECOY]).stdout)
    assert usage["decoy_share"] > 0.5 and usage["used_by_level"]["0"] >= 9 * 1024 * 1024


def test_read_commands_work_on_a_write_protected_container(
        decoy_only: Papka, paper: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from papka.errors import EnvironmentProblem

    decoy_only("add", str(paper), passphrases=[DECOY])
    original = Container.open.__func__  # type: ignore[attr-defined]

    def write_protected(cls: type[Container], path: Path, passphrases: list[str],
                        **kwargs: object) -> Container:
        # What the storage layer raises when the stick's write-protect switch is on.
        if kwargs.get("writable", True):
            raise EnvironmentProblem("papka may not open this path (permission denied).")
        return original(cls, path, passphrases, **kwargs)  # type: ignore[no-any-return]

    monkeypatch.setattr(Container, "open", classmethod(write_protected))
    listed = decoy_only("--json", "list", passphrases=[DECOY])
    assert listed.exit_code == 0 and len(json.loads(listed.stdout)["documents"]) == 1
    refused = decoy_only("add", str(paper), passphrases=[DECOY])
    assert refused.exit_code == 3 and "permission denied" in refused.stderr


def test_papka_alone_shows_help(papka: Papka) -> None:
    for words in ([], ["compartment"]):
        result = papka(*words, container=False)
        assert result.exit_code == 0 and "Usage:" in result.stdout and result.stderr == ""


def test_no_command_runs_when_the_crypto_self_test_fails(papka: Papka,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses

    from papka.vault import selftest

    first, *rest = selftest.VECTORS
    broken = (dataclasses.replace(first, expected="00" * (len(first.expected) // 2)), *rest)
    monkeypatch.setattr(selftest.run_self_test, "__defaults__", (broken,))
    result = papka("init", "--size", "16M", new=DECOY)
    assert result.exit_code == 3
    assert "self-test failed" in result.output
    assert not papka.container.exists()
    assert papka("--help", container=False).exit_code == 0     # help needs no self-test
