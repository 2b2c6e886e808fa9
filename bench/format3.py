"""Format 3's cost (docs/FORMAT.md §10) against format 2 and `age -r` (never asserted in tests).

    python -m bench.format3 [--rounds 3] [--size-mib 64]

Two measures:

- Bytes written (counted, not timed, so they reproduce exactly): a 64 MiB container holding a
  decoy and a hidden compartment, in format 2 and in format 3; then one session that adds a
  decoy scan of 6 MiB and a hidden paper (10 KiB, 100 KiB, 1 MiB or 4 MiB). Counted apart: the
  hidden paper's commit, the decoy paper's commit, and what the end of the session writes
  (format 3: the decoy's commit when it made none, repairs, the plan's fill). The ratio of the
  hidden commit in format 3 to format 2 is the write amplification of the same change.
- Speed: adding one `--size-mib` file to the hidden compartment of a format 2 and of a format 3
  container (files in /dev/shm when it has room), against `age -r` encrypting the same file,
  in alternating rounds (bench.vault.side_by_side), medians; the format 3 add includes the end
  of its session (the plan's fill).
- The floor under format 3's add: the work its format asks for whatever the code around it,
  done by the same primitives with nothing else (the file's SHA-256, each stripe's parity by
  ISA-L, every share sealed on its own under a fresh random nonce, the sealed stripe written
  in one piece and the file flushed; no plan, no places, no catalog), against `age -r` in the
  same alternating rounds. Above `age -r`'s time, no code that keeps the format adds ahead of
  `age -r` on one core.

Prints the figures and writes bench/results/format3.json.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import random
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from papka.vault import Container, coded, erasure
from papka.vault.storage import FileStorage, MemoryStorage

from .vault import AGE, MEMORY_FS, age_key, random_file, sh, side_by_side, timed

KiB = 1024
MiB = 1024 * KiB
HERE = Path(__file__).resolve().parent
DECOY = "decoy passphrase for the bench"          # noqa: S105 (a benchmark's own)
HIDDEN = "hidden passphrase for the bench"        # noqa: S105


class Counting(MemoryStorage):
    """Memory that counts the bytes written into it."""

    written = 0

    def write(self, offset: int, data: bytes | bytearray | memoryview) -> None:
        self.written += len(data)
        super().write(offset, data)


def _made(format_version: int) -> Counting:
    rng = random.Random(format_version)
    memory = Counting(bytearray(64 * MiB))
    Container.create_on(memory, DECOY, random=rng.randbytes, format_version=format_version)
    with Container.open_on(memory, [DECOY], random=rng.randbytes) as box:
        for _ in range(6):
            box.compartments[0].documents.add(io.BytesIO(rng.randbytes(rng.randrange(
                100 * KiB, 2 * MiB))))
        hidden = box.add_compartment(HIDDEN)
        for _ in range(6):
            hidden.documents.add(io.BytesIO(rng.randbytes(rng.randrange(10 * KiB, 300 * KiB))))
    return memory


def bytes_written() -> dict[str, Any]:
    rows: dict[str, Any] = {}
    bases = {version: bytes(_made(version).data) for version in (2, 3)}
    for hidden_size in (10 * KiB, 100 * KiB, MiB, 4 * MiB):
        row: dict[str, Any] = {}
        for version, image in bases.items():
            memory = Counting(bytearray(image))
            rng = random.Random(hidden_size)
            box = Container.open_on(memory, [HIDDEN], random=rng.randbytes)
            start = memory.written
            box.compartments[0].documents.add(io.BytesIO(rng.randbytes(6 * MiB)))
            decoy = memory.written - start
            start = memory.written
            box.newest.documents.add(io.BytesIO(rng.randbytes(hidden_size)))
            hidden = memory.written - start
            start = memory.written
            box.close()
            row[f"format_{version}"] = {
                "hidden_commit_bytes": hidden, "decoy_commit_bytes": decoy,
                "session_end_bytes": memory.written - start,
                **({"cover_exceeded": box.cover_exceeded} if version == 3 else {})}
        row["hidden_commit_ratio"] = (row["format_3"]["hidden_commit_bytes"]
                                      / row["format_2"]["hidden_commit_bytes"])
        rows[f"hidden_{hidden_size // KiB}_kib"] = row
    return rows


def add_speed(work: Path, size_mib: int, rounds: int) -> dict[str, Any]:
    source = work / "payload"
    random_file(source, size_mib)
    _key, recipient = age_key(work)
    # Room for the coded file in the zone (the last quarter) with the round before's copy.
    size = (16 * size_mib + 64) * MiB
    results: dict[str, Any] = {"size_mib": size_mib}
    for version in (2, 3):
        path = work / f"c{version}"
        Container.create(path, size, DECOY, format_version=version)
        with Container.open(path, [DECOY]) as box:
            box.add_compartment(HIDDEN)
        added: list[str] = []

        def add(number: int, path: Path = path, added: list[str] = added) -> float:
            box = Container.open_on(FileStorage(path), [HIDDEN])
            if added:
                box.newest.documents.remove(added.pop())
            start = time.perf_counter()
            added.append(box.newest.documents.add(source).id)
            box.close()                          # format 3: the plan's fill is part of it
            return time.perf_counter() - start

        def age_encrypt(number: int) -> float:
            target = work / "ref.age"
            return timed(lambda: sh(f"{AGE} -r {recipient} {source} 1<> {target}"
                                    f" && sync {target}"))

        results[f"format_{version}"] = side_by_side(rounds, add, age_encrypt, warm_up=True)
        path.unlink()
    (work / "ref.age").unlink(missing_ok=True)
    return results


def format_floor(work: Path, size_mib: int, rounds: int) -> dict[str, Any]:
    """The format's own work on one `size_mib` file (the module's docstring), against
    `age -r`."""
    source = work / "payload"
    if not source.exists():
        random_file(source, size_mib)
    _key, recipient = age_key(work)
    stripe_bytes = coded.MAX_DATA_SHARES * coded.SHARE_PAYLOAD

    def floor(number: int) -> float:
        target = work / "floor"
        start = time.perf_counter()
        cipher = AESGCM(os.urandom(32))
        digest = hashlib.sha256()
        index = 0
        with source.open("rb") as reading, target.open("wb") as out:
            while chunk := reading.read(stripe_bytes):
                digest.update(chunk)
                shares = [chunk[at:at + coded.SHARE_PAYLOAD].ljust(coded.SHARE_PAYLOAD, b"\0")
                          for at in range(0, len(chunk), coded.SHARE_PAYLOAD)]
                sealed = []
                for share in [*shares, *erasure.encode(shares,
                                                       coded.parity_shares(len(shares)))]:
                    nonce = os.urandom(coded.NONCE)
                    sealed.append(nonce + cipher.encrypt(nonce, share, index.to_bytes(8, "big")))
                    index += 1
                out.write(b"".join(sealed))
            out.flush()
            os.fsync(out.fileno())
        elapsed = time.perf_counter() - start
        target.unlink()
        return elapsed

    def age_encrypt(number: int) -> float:
        target = work / "ref.age"
        return timed(lambda: sh(f"{AGE} -r {recipient} {source} 1<> {target}"
                                f" && sync {target}"))

    figures = side_by_side(rounds, floor, age_encrypt, warm_up=True)
    (work / "ref.age").unlink(missing_ok=True)
    return {"size_mib": size_mib, "isa_l": erasure.accelerated(), "floor": figures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--size-mib", type=int, default=64)
    args = parser.parse_args()
    results: dict[str, Any] = {"bytes_written": bytes_written()}
    print(json.dumps(results, indent=1), flush=True)
    if AGE:
        memory_fs = MEMORY_FS if shutil.disk_usage(MEMORY_FS).free > 40 * args.size_mib * MiB \
            else None
        work = Path(tempfile.mkdtemp(dir=memory_fs or HERE / "results"))
        try:
            results["add"] = {**add_speed(work, args.size_mib, args.rounds),
                              "filesystem": "tmpfs" if memory_fs else "disk"}
            results["format_floor"] = format_floor(work, args.size_mib, args.rounds)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        print(json.dumps({"add": results["add"], "format_floor": results["format_floor"]},
                         indent=1), flush=True)
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "format3.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
