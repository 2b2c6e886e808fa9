"""Vault benchmarks, side by side with reference tools in the same run (never asserted in tests).

    python -m bench.vault [--size-mib 1024] [--docs 10000]

Prints one line per figure and ratios against the reference; writes bench/results/vault.json.
Uses the format's real KDF (Argon2id, 512 MiB, twice per unlock).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from papka.formats.bundle import Protection
from papka.vault import Container, _crypto

MiB = 1024 * 1024
HERE = Path(__file__).resolve().parent
PASSPHRASE = "bench passphrase with several words"  # noqa: S105 (a benchmark's own)


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def drop(path: Path) -> None:
    path.unlink(missing_ok=True)


def sh(command: str) -> None:
    subprocess.run(["bash", "-c", command], check=True)


def bench_create(work: Path, size_mib: int) -> dict[str, float]:
    reference = timed(lambda: sh(
        f"head -c {size_mib}M /dev/urandom > {work}/ref && sync {work}/ref"))
    drop(work / "ref")

    def create() -> None:
        Container.create(work / "c", size_mib * MiB, PASSPHRASE)
        sh(f"sync {work}/c")

    ours = timed(create)
    drop(work / "c")
    return {"create_s": ours, "urandom_s": reference, "create_ratio": reference / ours}


def bench_throughput(work: Path, size_mib: int) -> dict[str, float]:
    source = work / "payload"
    sh(f"head -c {size_mib}M /dev/urandom > {source}")
    age = shutil.which("age")
    keygen = shutil.which("age-keygen")
    result: dict[str, float] = {}
    if age and keygen:
        sh(f"{keygen} -o {work}/key.txt 2>/dev/null")
        recipient = subprocess.run([keygen, "-y", f"{work}/key.txt"], capture_output=True,
                                   text=True, check=True).stdout.strip()
        result["age_encrypt_s"] = timed(lambda: sh(
            f"{age} -r {recipient} -o {work}/payload.age {source} && sync {work}/payload.age"))
        result["age_decrypt_s"] = timed(lambda: sh(
            f"{age} -d -i {work}/key.txt -o {work}/payload.out {work}/payload.age"
            f" && sync {work}/payload.out"))
        drop(work / "payload.age")
        drop(work / "payload.out")
    Container.create(work / "c", (size_mib + 64) * MiB, PASSPHRASE)
    with Container.open(work / "c", [PASSPHRASE]) as box:
        docs = box.newest.documents
        start = time.perf_counter()
        doc = docs.add(source)
        result["add_s"] = time.perf_counter() - start
        result["get_s"] = timed(lambda: (docs.save_to(doc.id, work / "out"),
                                         sh(f"sync {work}/out")))
    drop(work / "out")
    drop(work / "c")
    drop(source)
    if "age_encrypt_s" in result:
        result["add_vs_age_encrypt"] = result["age_encrypt_s"] / result["add_s"]
        result["get_vs_age_decrypt"] = result["age_decrypt_s"] / result["get_s"]
    return result


def bench_export(work: Path, size_mib: int) -> dict[str, float]:
    """Exporting originals as a bundle (what `papka export --profile lawyer` does) against
    `tar -cf - FILES | age -r` of the same files, on the same disk, page cache warm for both."""
    age, keygen = shutil.which("age"), shutil.which("age-keygen")
    if not (age and keygen):
        return {}
    from papka.exchange import Selection, export_bundle
    from papka.formats.bundle import parse_recipient

    files = [work / f"part{i}" for i in range(4)]
    for file in files:
        sh(f"head -c {size_mib // 4}M /dev/urandom > {file}")
    sh(f"{keygen} -o {work}/export-key.txt 2>/dev/null")
    recipient = subprocess.run([keygen, "-y", f"{work}/export-key.txt"], capture_output=True,
                               text=True, check=True).stdout.strip()
    Container.create(work / "c", (size_mib + 64) * MiB, PASSPHRASE)
    names = " ".join(f.name for f in files)
    result: dict[str, float] = {}
    with Container.open(work / "c", [PASSPHRASE]) as box:
        for file in files:
            box.newest.documents.add(file, kind="video")
        runs_ours, runs_theirs = [], []
        for run in range(3):
            runs_theirs.append(timed(lambda: sh(
                f"cd {work} && tar -cf - {names} | {age} -r {recipient} > {work}/ref.age"
                f" && sync {work}/ref.age")))
            drop(work / "ref.age")
            target = work / f"out{run}.age"
            runs_ours.append(timed(lambda target=target: export_bundle(  # type: ignore[misc]
                box.newest, Selection.parse(["all"]), target, profile="lawyer",
                protection=Protection.to([parse_recipient(recipient)]))))
            drop(target)
    for file in files:
        drop(file)
    drop(work / "c")
    ours, theirs = sorted(runs_ours)[1], sorted(runs_theirs)[1]
    result.update({"export_s": ours, "tar_age_s": theirs, "export_vs_tar_age": theirs / ours})
    return result


def bench_many_documents(work: Path, count: int) -> dict[str, float]:
    """count documents of 20 KiB in a 400 MiB container (the issue's packing target)."""
    path = work / "many"
    Container.create(path, 400 * MiB, PASSPHRASE)
    payload = os.urandom(20 * 1024)
    with Container.open(path, [PASSPHRASE]) as box:
        docs = box.newest.documents
        with docs.batch():
            for i in range(count):
                docs.add(io.BytesIO(payload), title=f"Документ номер {i}", kind="other",
                         tags=["bulk"])
    # "KDF time" is measured as the unlock of an empty container: the same two Argon2id runs
    # and slot trials, nothing to load.
    Container.create(work / "empty", 64 * MiB, PASSPHRASE)

    def fastest_unlock(target: Path) -> float:
        times = []
        for _ in range(5):
            start = time.perf_counter()
            box = Container.open(target, [PASSPHRASE])
            times.append(time.perf_counter() - start)
            box.close()
        return min(times)

    kdf = fastest_unlock(work / "empty")
    opened = [fastest_unlock(path)]
    drop(work / "empty")
    with Container.open(path, [PASSPHRASE]) as box:
        docs = box.newest.documents
        # The first query after unlock also builds the records and reads the search index.
        first_list_s = timed(lambda: docs.list(kind="other", query="номер 99"))
        list_s = min(timed(lambda: docs.list(kind="other", query="номер 99")) for _ in range(5))
        small = io.BytesIO(b"small paper" * 100)
        commits = []
        for _ in range(5):
            small.seek(0)
            commits.append(timed(lambda: docs.add(small, title="small")))
        usage = box.usage()
    drop(path)
    return {"documents": count, "kdf_s": kdf, "unlock_s": min(opened),
            "unlock_beyond_kdf_ms": (min(opened) - kdf) * 1000,
            "first_list_filter_ms": first_list_s * 1000,
            "list_filter_ms": list_s * 1000, "commit_small_ms": sorted(commits)[2] * 1000,
            "container_used_share": usage.used / usage.size}


PEAK = r"""
import sys
from papka.vault import Container

def high_water_mib():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024

path, source, passphrase = sys.argv[1], sys.argv[2], sys.argv[3]
with Container.open(path, [passphrase]) as box:
    unlock_peak = high_water_mib()
    with open("/proc/self/clear_refs", "w") as f:   # reset the high-water mark (Linux)
        f.write("5")
    before_add = high_water_mib()
    box.newest.documents.add(source)
    print(unlock_peak, before_add, high_water_mib())
"""


def bench_peak_memory(work: Path, size_mib: int) -> dict[str, float]:
    """Peak resident memory (VmHWM, which a fresh process starts from zero) while unlocking and
    while storing one large file."""
    source = work / "big"
    sh(f"head -c {size_mib}M /dev/urandom > {source}")
    Container.create(work / "c", (size_mib + 64) * MiB, PASSPHRASE)
    out = subprocess.run([sys.executable, "-c", PEAK, str(work / "c"), str(source), PASSPHRASE],
                         capture_output=True, text=True, check=True).stdout
    unlock_peak, before_add, add_peak = (float(x) for x in out.split())
    drop(source)
    drop(work / "c")
    kdf_mib = _crypto.KDF_V1.memory_kib / 1024
    return {"file_mib": size_mib, "kdf_mib": kdf_mib, "unlock_peak_rss_mib": unlock_peak,
            "rss_before_add_mib": before_add, "add_peak_rss_mib": add_peak,
            "add_growth_mib": add_peak - before_add,
            "overall_peak_beyond_kdf_mib": max(unlock_peak, add_peak) - kdf_mib}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--peak-mib", type=int, default=2048)
    parser.add_argument("--docs", type=int, default=10_000)
    args = parser.parse_args()
    results_dir = HERE / "results"
    results_dir.mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=results_dir))    # the same disk as the project
    try:
        results = {
            "create": bench_create(work, args.size_mib),
            "throughput": bench_throughput(work, args.size_mib),
            "export": bench_export(work, args.size_mib),
            "many": bench_many_documents(work, args.docs),
            "peak": bench_peak_memory(work, args.peak_mib),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for group, figures in results.items():
        for name, value in figures.items():
            print(f"{group:10} {name:32} {value:10.3f}")
    (results_dir / "vault.json").write_text(json.dumps(results, indent=2))
    print("max RSS of this process (MiB):",
          resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


if __name__ == "__main__":
    main()
