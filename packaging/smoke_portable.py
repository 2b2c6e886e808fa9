"""Smoke-test the portable papka folder the way a keeper runs it from a stick.

    python packaging/smoke_portable.py dist/papka

Runs the folder's own program (no Python, no virtual environment, no install) with an empty
environment, a fresh HOME and TMPDIR, and, where this machine allows a private network
namespace (root with `unshare`), no network at all: `papka --version`, Russian help (the
catalogues were collected), and the whole `papka demo` with the real KDF (about 15 s here),
which adds, lists, redacts with the Russian detectors, exports, verifies and opens a bundle.
Then checks that nothing was left in HOME. Exits non-zero, naming the step, when anything fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def main() -> None:
    folder = Path(sys.argv[1]).resolve()
    program = folder / ("papka.exe" if os.name == "nt" else "papka")
    if not program.is_file():
        raise SystemExit(f"FAILED: no program at {program}")
    work = Path(tempfile.mkdtemp(prefix="papka-portable-"))
    home, tmp = work / "home", work / "tmp"
    home.mkdir()
    tmp.mkdir()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "TMPDIR": str(tmp), "LANG": "C.UTF-8"}
    isolate: list[str] = []
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "--net", "true"], capture_output=True,
                                  check=False).returncode == 0:
        isolate = [unshare, "--net"]
        print("-- no network: every step runs in a private network namespace")
    else:
        print("-- note: no private network namespace here; the steps run with the network")

    def papka(step: str, *words: str, expect: str, fds: tuple[int, ...] = (),
              also: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """Run one command; `fds`: descriptors it reads passphrases from (see lines())."""
        started = time.monotonic()
        result = subprocess.run([*isolate, str(program), *words], env={**env, **(also or {})},
                                cwd=work, stdin=subprocess.DEVNULL, pass_fds=fds,
                                capture_output=True, text=True, timeout=600, check=False)
        for fd in fds:
            os.close(fd)
        took = time.monotonic() - started
        print(f"-- {step}: exit {result.returncode} in {took:.1f} s")
        if result.returncode != 0 or expect not in result.stdout:
            print(result.stdout[-3000:], result.stderr[-3000:], sep="\n", file=sys.stderr)
            raise SystemExit(f"FAILED: {step}")
        return result

    papka("papka --version", "--version", expect="papka, version")
    papka("Russian help", "--lang", "ru", "--help", expect="Использование:")
    shown = papka("papka demo", "demo", expect="papka bundle open").stdout
    # The redaction step found people and addresses: the detectors' dictionaries and models
    # were collected into the folder.
    # (The counts table names them "person's name" and "address" in English.)
    for category in ("person", "address"):
        if not any(line.startswith(category) for line in shown.splitlines()):
            raise SystemExit(f"FAILED: the demo's redaction found no {category}")
    format_3(papka, work)
    left = sorted(p.name for p in home.iterdir())
    if left:
        raise SystemExit(f"FAILED: the portable papka left files in HOME: {left}")
    shutil.rmtree(work)
    print("OK: the portable folder ran --version, Russian help, the whole demo and format 3 "
          "with ISA-L")


def lines(*passphrases: str) -> int:
    """A pipe's reading end holding the passphrases, one a line (a descriptor to pass)."""
    read, write = os.pipe()
    os.write(write, "".join(f"{p}\n" for p in passphrases).encode())
    os.close(write)
    return read


def format_3(papka: Callable[..., subprocess.CompletedProcess[str]], work: Path) -> None:
    """A format 3 container and a hidden paper: the paper's parity must be computed by ISA-L,
    whose library liberasurecode opens by name at run time (packaging/papka.spec collects
    it); the dynamic loader's trace (glibc's LD_DEBUG) shows whether it was."""
    decoy, hidden = lines("portable decoy words six"), lines("portable hidden words seven")
    box = str(work / "format3.papka")
    paper = work / "paper.bin"
    paper.write_bytes(os.urandom(300_000))
    papka("init --format 3", "-c", box, "--json", "--new-passphrase-fd", str(decoy), "init",
          "--size", "32M", "--format", "3", fds=(decoy,), expect='"format": 3')
    decoy, new = lines("portable decoy words six"), lines("portable hidden words seven")
    papka("compartment add", "-c", box, "--json", "--passphrase-fd", str(decoy),
          "--new-passphrase-fd", str(new), "compartment", "add", "--yes", fds=(decoy, new),
          expect='"level": 1')
    added = papka("a hidden paper", "-c", box, "--passphrase-fd", str(hidden), "add",
                  str(paper), fds=(hidden,), also={"LD_DEBUG": "libs"}, expect="paper")
    loaded = [line for line in added.stderr.splitlines()
              if "calling init:" in line and "libisal" in line]
    if not loaded:
        raise SystemExit("FAILED: format 3's parity was not computed by ISA-L (libisal was "
                         "not loaded): papka.spec must collect it")


if __name__ == "__main__":
    main()
