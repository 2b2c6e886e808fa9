"""`papka shell`'s loop driven line by line, and `papka demo` end to end on a fresh folder."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from papka.cli.context import Config
from papka.cli.problems import CommandUsageError
from papka.cli.shell import repl, split_line
from papka.vault import Container

from .conftest import DECOY, Papka


def scripted(lines: list[str]) -> Iterator[str]:
    yield from lines


def feed(lines: list[str]) -> Callable[[str], str]:
    source = scripted(lines)

    def read_line(prompt: str) -> str:
        try:
            return next(source)
        except StopIteration:
            raise EOFError from None

    return read_line


def test_split_line() -> None:
    assert split_line("add 'my scan.jpg' --title \"Повестка в суд\"") == [
        "add", "my scan.jpg", "--title", "Повестка в суд"]
    with pytest.raises(CommandUsageError):
        split_line("add 'unclosed")


def test_repl_keeps_going_after_errors(decoy_only: Papka, paper: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    with Container.open(decoy_only.container, [DECOY]) as container:
        session = Config(container_path=str(decoy_only.container), open_container_=container)
        repl(session, feed([
            "", "add 'unclosed", f"add {paper} --title 'Повестка в суд' --tag court",
            f"add {paper} --title second", "--json list sud", "show zzzz", "demo",
            "-c /elsewhere list", "help list", "exit", "list",
        ]))
    out = capsys.readouterr()
    assert "A quotation mark is not closed." in out.err
    listing, _end = json.JSONDecoder().raw_decode(out.out[out.out.index("{"):])
    assert [d["title"] for d in listing["documents"]] == ["Повестка в суд"]
    assert "No document has this id." in out.err
    assert "This command does not run inside the shell." in out.err
    assert "The shell works on the container it opened." in out.err
    assert "[WORDS]..." in out.out  # `help list` shows the list command's help
    # The one-compartment warning is said once per shell session, not once per command.
    assert out.err.count("only one compartment is open") == 1
    # The loop does not lock the container: `papka shell` says "locked" once it has closed it.
    assert "The container is locked." not in out.err


def test_demo_runs_end_to_end_on_a_fresh_folder(papka: Papka, workdir: Path) -> None:
    folder = workdir / "demo"
    result = papka("demo", "--folder", str(folder), container=False)
    assert result.exit_code == 0, result.output
    out = result.stdout
    for title in ("Выписка из уголовного дела", "Повестка к следователю", "Резюме"):
        assert title in out
    # The search in Latin letters finds the Russian summons.
    search = out[out.index("$ papka list povestka"):]
    assert "Повестка к следователю" in search.split("$ papka", 2)[1]
    # With the decoy passphrase only the decoy papers show.
    decoy_part = out[out.index("5. "):]
    assert "Резюме" in decoy_part and "Повестка" not in decoy_part
    assert "Выписка" not in decoy_part
    assert (folder / "out" / "case.pdf").read_bytes()[:5] == b"%PDF-"
    assert (folder / "vault.papka").stat().st_size == 32 * 1024 * 1024
    again = papka("demo", "--folder", str(folder), container=False)
    assert again.exit_code == 1 and "new or empty folder" in again.stderr


def test_demo_speaks_russian(papka: Papka, workdir: Path) -> None:
    result = papka("--lang", "ru", "demo", "--folder", str(workdir / "d"), container=False)
    assert result.exit_code == 0, result.output
    assert "Контейнер с отсеком-приманкой" in result.stdout
    assert "Готово" in result.stdout


def test_samples_are_small_and_fictional() -> None:
    from papka.cli.samples import SAMPLES, sample_file

    total = 0
    for name, *_rest in SAMPLES:
        data = sample_file(name).read_bytes()
        total += len(data)
        if name.endswith(".pdf"):
            assert data.startswith(b"%PDF-")
        elif name.endswith(".jpg"):
            assert data.startswith(b"\xff\xd8")
        else:
            assert "FICTIONAL SAMPLE" in data.decode("utf-8")
    assert total < 300 * 1024
