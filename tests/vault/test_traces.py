"""Nothing about a document leaves the container (threat model: what leaves traces)."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

from papka.output_files import partial_path
from papka.vault import Container
from tests.vault.helpers import DECOY, HIDDEN, new_container

CANARY = "КАНАРЕЙКА-7f3a-canary"
_opened_for_writing: list[str] = []


def _audit(event: str, args: tuple[object, ...]) -> None:
    if event == "open" and _opened_for_writing is not None:
        path, mode, flags = args
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))
        if writing and isinstance(path, (str, bytes, os.PathLike)):
            _opened_for_writing.append(os.fsdecode(path))


sys.addaudithook(_audit)


def _all_bytes_under(folder: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _forms(text: str) -> list[bytes]:
    return [text.encode(enc) for enc in ("utf-8", "utf-16-le", "utf-16-be", "cp1251", "koi8-r")]


def test_every_operation_leaves_no_canary_outside_what_the_keeper_names(workdir: Path) -> None:
    path = new_container(workdir / "box")
    source = workdir / "source"
    source.mkdir()
    original = source / f"{CANARY}.txt"
    original.write_text(f"Справка. {CANARY}. Конец.")
    wanted_out = workdir / "wanted-output.txt"
    del _opened_for_writing[:]
    with Container.open(path, [DECOY]) as box:
        box.add_compartment(HIDDEN)
        docs = box.newest.documents
        doc = docs.add(original, title=f"Title {CANARY}", tags=[CANARY], notes=CANARY,
                       issuer=CANARY, number=CANARY)
        docs.add(io.BytesIO(CANARY.encode() * 1000), title=CANARY)
        docs.add_note(CANARY, title=CANARY)
        docs.list(query=CANARY)
        docs.update(doc.id, title=CANARY + " 2")
        docs.read_bytes(doc.id)
        docs.save_to(doc.id, wanted_out)
        victim = docs.add(io.BytesIO(CANARY.encode() * 10), title="to remove")
        docs.remove(victim.id)
        box.check()
        box.usage()
        box.change_passphrase(box.newest, "другая фраза")
    with Container.open(path, ["другая фраза"]) as box:
        assert len(box.newest.documents) == 3
    # 1. The container holds no plaintext form of the canary.
    container_bytes = path.read_bytes()
    for form in _forms(CANARY):
        assert form not in container_bytes
    # 2. The only files written are the container and the path the keeper named (through its
    #    partial name beside it, gone once the file is complete).
    written = {Path(p).resolve() for p in _opened_for_writing}
    assert written <= {path.resolve(), wanted_out.resolve(),
                       partial_path(wanted_out).resolve()}, written
    assert not partial_path(wanted_out).exists()
    # 3. Nothing under HOME or TMPDIR holds it either.
    for folder in (Path(os.environ["HOME"]), Path(os.environ["TMPDIR"])):
        for file, data in _all_bytes_under(folder).items():
            for form in _forms(CANARY):
                assert form not in data, file
