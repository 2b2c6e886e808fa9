"""Coverage-guided fuzzing with atheris (libFuzzer) of everything that parses outside input.

    python -m tests.prove.atheris_fuzz TARGET [libFuzzer options]

TARGET is one of: container, bundle, pdf, jpeg, png, docx, email. Each starts from a real,
valid input (a container with a decoy and a hidden compartment, an encrypted bundle, a sample
file of that format) and lets libFuzzer mutate it, guided by coverage of papka's own code. Every
input must end in success or a PapkaError: any other exception is a crash, which libFuzzer
reports with the input that caused it (add it to tests/prove/corpus with grow_corpus.py).
Use libFuzzer's own caps for time and memory, e.g. `-max_total_time=600 -timeout=20
-rss_limit_mb=3072`. tests/prove/test_atheris.py runs every target briefly in the suite.
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import atheris  # noqa: E402

from papka.vault import _crypto  # noqa: E402

_crypto.weaken_for_tests()

with atheris.instrument_imports(include=["papka"]):
    # Imported here so that libFuzzer sees coverage of papka's own parsers.
    import papka.formats.bundle
    import papka.formats.burn
    import papka.formats.sanitize
    import papka.formats.verify
    import papka.vault.container
    import papka.vault.documents  # noqa: F401
    from papka.errors import PapkaError

from tests.prove import worker  # noqa: E402

FORMATS = ("pdf", "jpeg", "png", "docx", "email")
TARGETS = ("container", "bundle", *FORMATS)


def _container(data: bytes) -> None:
    # The fuzzer's bytes replace the start of a real container (header region A, then the
    # decoy's catalog and data), so mutations hit what opening parses first.
    base = bytearray(worker.real_container())
    base[:len(data)] = data[:len(base)]
    worker.open_container(base, [worker.HIDDEN])


def _bundle(data: bytes) -> None:
    worker.target_bundle_file({"data": data, "kind": "x25519"})


def _format(kind: str) -> Callable[[bytes], None]:
    def run(data: bytes) -> None:
        for step in ("sanitize", "plan", "verify"):
            worker.target_formats_file({"data": data, "kind": kind, "step": step})
    return run


def _seed(target: str) -> bytes:
    if target == "container":
        return worker.real_container()[:256 * 1024]
    if target == "bundle":
        return worker.real_bundles()["x25519"]
    return worker.real_files()[target][0]


def main(argv: list[str]) -> None:
    if len(argv) < 2 or argv[1] not in TARGETS:
        sys.exit(f"usage: python -m tests.prove.atheris_fuzz {{{','.join(TARGETS)}}} [options]")
    target = argv[1]
    run = {"container": _container, "bundle": _bundle}.get(target) or _format(target)

    def test_one_input(data: bytes) -> None:
        with contextlib.suppress(PapkaError):   # a clear refusal is the right answer
            run(data)

    seeds = Path(tempfile.mkdtemp(prefix=f"atheris-{target}-"))
    (seeds / "seed").write_bytes(_seed(target))
    atheris.Setup([argv[0], *argv[2:], str(seeds)], test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
