"""Helpers for the command's tests: pipes for passphrases, a runner, ready-made containers."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from papka.cli.i18n import set_language
from papka.cli.main import cli

DECOY = "decoy words for the officer"
HIDDEN = "hidden words for the real papers"
MiB = 1024 * 1024


def passphrase_pipe(*lines: str) -> int:
    """A descriptor to read ``lines`` from, as a script would pass with 3<file."""
    read_end, write_end = os.pipe()
    os.write(write_end, "".join(line + "\n" for line in lines).encode())
    os.close(write_end)
    return read_end


@dataclass
class Papka:
    """Runs `papka` in-process with CliRunner, passing passphrases on real pipes."""

    container: Path
    runner: CliRunner

    def __call__(self, *args: str, passphrases: Sequence[str] = (), new: str | None = None,
                 input: str | None = None, env: dict[str, str] | None = None,
                 container: bool = True) -> Result:
        words: list[str] = []
        fds: list[int] = []
        if container:
            words += ["-c", str(self.container)]
        if passphrases:
            fds.append(passphrase_pipe(*passphrases))
            words += ["--passphrase-fd", str(fds[-1])]
        if new is not None:
            fds.append(passphrase_pipe(new))
            words += ["--new-passphrase-fd", str(fds[-1])]
        try:
            result = self.runner.invoke(cli, [*words, *args], input=input,
                                        env={"LANGUAGE": "en", **(env or {})})
        finally:
            for fd in fds:
                os.close(fd)
            set_language("en")
        return result


@pytest.fixture
def papka(workdir: Path) -> Iterator[Papka]:
    yield Papka(container=workdir / "papers.papka", runner=CliRunner())


@pytest.fixture
def decoy_only(papka: Papka) -> Papka:
    """A container with one compartment (the decoy)."""
    result = papka("init", "--size", "16M", new=DECOY)
    assert result.exit_code == 0, result.output
    return papka


@pytest.fixture
def with_hidden(decoy_only: Papka) -> Papka:
    """A container with a decoy (level 0) and a hidden compartment (level 1)."""
    result = decoy_only("compartment", "add", "--yes", passphrases=[DECOY], new=HIDDEN)
    assert result.exit_code == 0, result.output
    return decoy_only


@pytest.fixture
def paper(workdir: Path) -> Path:
    path = workdir / "povestka.txt"
    path.write_text("Повестка: явиться к следователю 10 апреля.\n", encoding="utf-8")
    return path
