"""Known-answer containers under vectors/container/ (described in its README.md).

Each vector is a small container made by papka from fixed randomness, a fixed clock and the
test-only KDF, with its free sectors and unused header bytes zeroed so that it compresses
(readers never look at those bytes; papka itself writes random bytes there). vectors.json says
what each file must open to. `python -m tests.vault.container_vectors` rewrites the vector of
the current writer; the 0.1.0 one was made by papka 0.1.0, and v2.papka.gz by the writer before
packs, and neither is ever rewritten.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import random
import sys
from pathlib import Path
from typing import Any

from papka.vault import Container, _crypto, header
from papka.vault.storage import MemoryStorage

ROOT = Path(__file__).resolve().parents[2] / "vectors" / "container"
DESCRIPTION = ROOT / "vectors.json"
SIZE = 16 * 1024 * 1024
DECOY = "decoy: берёза"
HIDDEN = "hidden: сосна"
WRONG = "wrong: ель"
SEED = 20261204


def build() -> bytes:
    """The container the current writer makes: a decoy with small documents (packed together,
    one of them removed again, so its pack was rewritten), a hidden compartment (created from
    the decoy's session, so it keeps the decoy's keys) with a document of its own object and
    small notes in a pack (docs/FORMAT.md §4)."""
    rng = random.Random(SEED)
    memory = MemoryStorage(bytearray(SIZE))
    Container.create_on(memory, DECOY, random=rng.randbytes)
    clock = lambda: dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)  # noqa: E731
    box = Container.open_on(memory, [DECOY], random=rng.randbytes, clock=clock)
    decoy = box.newest.documents
    decoy.add(io.BytesIO(b"%PDF-1.7 decoy reference\n"), title="Диплом",
              kind="education", tags=["cv"])
    with decoy.batch():
        for number in range(3):
            decoy.add(io.BytesIO(f"справка {number}\n".encode() * (40 + 300 * number)),
                      title=f"Справка {number}", kind="other")
    decoy.remove(next(d.id for d in decoy.list() if d.title == "Справка 1"))
    hidden = box.add_compartment(HIDDEN)
    hidden.documents.add(io.BytesIO(b"hidden reference " * 1000), title="Повестка",
                         kind="summons", tags=["дело"])
    with hidden.documents.batch():
        for number in range(4):
            hidden.documents.add(io.BytesIO(f"note {number}: 12.03.2024\n".encode() * 30),
                                 title=f"Заметка {number}", kind="note")
    box.close()
    return bytes(memory.data)


def sparse(data: bytes) -> bytes:
    """`data` with every byte a reader never looks at set to zero: free sectors, unused slots
    and the unused parts of both header regions."""
    box = Container.open_on(MemoryStorage(bytearray(data)), [HIDDEN], writable=False)
    try:
        geometry = box.geometry
        used_slots = {c.slot for c in box.compartments}
        out = bytearray(len(data))
        for region in (0, 1):
            start = geometry.region_offset(region)
            out[start:start + header.SALT_SIZE] = data[start:start + header.SALT_SIZE]
            for slot in used_slots:
                at = geometry.slot_offset(region, slot)
                out[at:at + header.SLOT_SIZE] = data[at:at + header.SLOT_SIZE]
        for sector, state in enumerate(box.space.map):
            if state and sector >= geometry.first_data_sector:
                at = sector * header.SECTOR
                out[at:at + header.SECTOR] = data[at:at + header.SECTOR]
        return bytes(out)
    finally:
        box.close()


def describe(data: bytes) -> dict[str, Any]:
    """What a reader must find in `data`: per passphrase, the masters it derives and the
    compartments it opens; per compartment, its documents."""
    params = _crypto.kdf_parameters()
    geometry = header.Geometry.for_size(len(data))
    salts = [data[geometry.region_offset(r):geometry.region_offset(r) + header.SALT_SIZE]
             for r in (0, 1)]
    passphrases = []
    for passphrase in (DECOY, HIDDEN, WRONG):
        secret = _crypto.passphrase_bytes(passphrase)
        entry: dict[str, Any] = {
            "passphrase": passphrase,
            "master_a": _crypto.argon2id(secret, salts[0], params).hex(),
            "master_b": _crypto.argon2id(secret, salts[1], params).hex(),
        }
        try:
            box = Container.open_on(MemoryStorage(bytearray(data)), [passphrase],
                                    writable=False)
        except Exception as error:      # noqa: BLE001 (the vector records which error)
            entry["opens"] = None
            entry["error"] = type(error).__name__
        else:
            with box:
                entry["opens"] = [c.level for c in box.compartments]
                entry["slot"] = box.newest.slot
        passphrases.append(entry)
    compartments = []
    with Container.open_on(MemoryStorage(bytearray(data)), [HIDDEN], writable=False) as box:
        for compartment in box.compartments:
            compartments.append({"level": compartment.level, "slot": compartment.slot,
                                 "generation": compartment.generation,
                                 "catalog_format": compartment.root.format,
                                 "packs": len(compartment.root.packs or {}), "documents": [
                {"id": d.id, "title": d.title, "kind": d.kind, "tags": list(d.tags),
                 "size": d.size, "sha256": d.sha256,
                 "content_sha256": hashlib.sha256(compartment.documents.read_bytes(d.id))
                 .hexdigest()}
                for d in compartment.documents.list()]})
    return {"size": len(data), "sha256": hashlib.sha256(data).hexdigest(),
            "passphrases": passphrases, "compartments": compartments}


def load(name: str) -> bytes:
    return gzip.decompress((ROOT / name).read_bytes())


def descriptions() -> dict[str, Any]:
    result: dict[str, Any] = json.loads(DESCRIPTION.read_text(encoding="utf-8"))
    return result


def write(name: str, format_version: int, unlock_kdf_runs: int) -> None:
    """Make the vector `name` with the current writer and record what it opens to."""
    data = sparse(build())
    # mtime 0 and no file name: the .gz file is the same bytes on every machine.
    (ROOT / name).write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
    weak = _crypto.kdf_parameters()
    table = descriptions() if DESCRIPTION.exists() else {"containers": {}}
    table["kdf"] = {"algorithm": "Argon2id", "version": 19, "memory_kib": weak.memory_kib,
                    "iterations": weak.iterations, "lanes": weak.lanes, "output_bytes": 32}
    table["containers"][name] = {"format_version": format_version,
                                 "unlock_kdf_runs": unlock_kdf_runs, **describe(data)}
    DESCRIPTION.write_text(json.dumps(table, ensure_ascii=False, indent=1) + "\n",
                           encoding="utf-8")


if __name__ == "__main__":
    _crypto.weaken_for_tests()
    write(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
