"""Vault benchmarks against reference tools, in alternating rounds of one run (never asserted in
tests).

    python -m bench.vault [--quick] [--rounds 3] [--io-rounds 7] [--only add_get,export]
                          [--io-on auto|memory|disk] [--disk-too]

Every comparison runs papka and the reference tool one after the other in each round, papka
first in even rounds and second in odd ones, so that a busy neighbour or a cold cache hurts both
alike; each figure is the median of the rounds, with the fastest and slowest round beside it.
Timings of add, get, export and folder import start after the container is unlocked (the KDF
is timed on its own); creation includes it. Writes bench/results/vault.json, which
`python -m bench` turns into bench/RESULTS.md. Uses the format's real KDF.

Adding, getting and exporting 1 GiB run on a RAM-backed file system (/dev/shm) when it has room,
papka's container, inputs and outputs and the reference tool's alike: on the project's virtual
disk the kernel's writeback of each new 1 GiB file moves single rounds by a factor of three,
the same for both tools, which is noise here rather than either tool's work. `--io-on disk`
keeps them on the project disk with every output synced (a USB stick is the real target), and
`--disk-too` adds that variant as secondary rows. Every row records where it ran. Even in RAM a
new 1 GiB file sometimes costs seconds more on this virtual machine (memory its host took back
and must hand out again, whichever tool asks), so these rows run each contender once untimed
first and take 11 rounds; `age -r` writes over its output of the round before in place, as papka's
add writes into space its container already holds.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

from papka.vault import Container, _crypto

MiB = 1024 * 1024
HERE = Path(__file__).resolve().parent
PASSPHRASE = "bench passphrase with several words"  # noqa: S105 (a benchmark's own)
AGE, AGE_KEYGEN = shutil.which("age"), shutil.which("age-keygen")
#: Linux's RAM-backed file system for shared memory, where the 1 GiB rows run when it has room.
MEMORY_FS = Path("/dev/shm")
#: Left free in RAM beyond the files of a row: the two processes' own memory and page cache.
MEMORY_HEADROOM_MIB = 3072

Figures = dict[str, Any]


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def sh(command: str) -> None:
    subprocess.run(["bash", "-c", command], check=True)


def spread(times: list[float]) -> Figures:
    """Median, fastest and slowest of the rounds, in seconds."""
    return {"median_s": statistics.median(times), "min_s": min(times), "max_s": max(times),
            "rounds": len(times), "each_s": [round(t, 3) for t in times]}


def cpu_seconds() -> float:
    """User and system time so far of this process (every thread) and its finished children."""
    mine = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return mine.ru_utime + mine.ru_stime + children.ru_utime + children.ru_stime


def side_by_side(rounds: int, ours: Callable[[int], float],
                 theirs: Callable[[int], float], *, warm_up: bool = False) -> Figures:
    """Run both contenders once per round, alternating which goes first. Each callable gets the
    round number and returns its own seconds (so set-up and clean-up stay outside the timing).
    `ratio` is the reference's median time over papka's: above 1, papka is faster; the per-round
    ratios show how much that moves. With `warm_up`, each runs once more before the rounds
    (round -1, papka first), its time kept apart as `warm_up_s` and left out of the figures: a
    step's first run in a process pays for imports and first-touched memory."""
    warm_up_s = ({"papka": round(ours(-1), 3), "reference": round(theirs(-1), 3)}
                 if warm_up else None)
    mine: list[float] = []
    reference: list[float] = []
    mine_cpu: list[float] = []
    reference_cpu: list[float] = []
    for number in range(rounds):
        order = [(ours, mine, mine_cpu), (theirs, reference, reference_cpu)]
        for contender, times, cpu in order if number % 2 == 0 else reversed(order):
            os.sync()        # nobody pays for the writes the one before left in the cache
            before = cpu_seconds()
            times.append(contender(number))
            # Untimed set-up and clean-up fall inside; both sides have the same little of it.
            cpu.append(cpu_seconds() - before)
    per_round = [r / m for m, r in zip(mine, reference, strict=True)]
    return {"papka": spread(mine), "reference": spread(reference),
            "ratio": statistics.median(reference) / statistics.median(mine),
            "ratio_min": min(per_round), "ratio_max": max(per_round),
            "ratio_per_round": [round(r, 3) for r in per_round],
            "ratio_per_round_median": statistics.median(per_round),
            "cpu_s": {"papka": statistics.median(mine_cpu),
                      "reference": statistics.median(reference_cpu)},
            **({"warm_up_s": warm_up_s} if warm_up_s else {})}


def age_key(work: Path) -> tuple[Path, str]:
    key = work / "age-key.txt"
    if not key.exists():
        sh(f"{AGE_KEYGEN} -o {key} 2>/dev/null")
    recipient = subprocess.run([str(AGE_KEYGEN), "-y", str(key)], capture_output=True, text=True,
                               check=True).stdout.strip()
    return key, recipient


def random_file(path: Path, size_mib: int) -> None:
    sh(f"head -c {size_mib}M /dev/urandom > {path}")


def filesystem_type(folder: Path) -> str:
    """The file system `folder` is on, as `stat -f` names it (tmpfs, ext2/ext3 for ext4...)."""
    return subprocess.run(["stat", "-f", "-c", "%T", str(folder)], capture_output=True,
                          text=True, check=True).stdout.strip()


def memory_available_mib() -> int:
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) // 1024
    return 0


def memory_fs_refusal(need_mib: int) -> str | None:
    """Why /dev/shm cannot take a row's `need_mib` of files now, or None when it can: its files
    are RAM, so both its free space and the memory available to back it must suffice."""
    if not MEMORY_FS.is_dir():
        return f"{MEMORY_FS} does not exist"
    kind = filesystem_type(MEMORY_FS)
    if kind != "tmpfs":
        return f"{MEMORY_FS} is {kind}, not tmpfs"
    stats = os.statvfs(MEMORY_FS)
    free_mib = stats.f_bavail * stats.f_frsize // MiB
    if free_mib < need_mib:
        return f"{MEMORY_FS} has {free_mib} MiB free and the row needs {need_mib} MiB"
    available = memory_available_mib()
    if available < need_mib + MEMORY_HEADROOM_MIB:
        return (f"{available} MiB of memory is available and the row needs {need_mib} MiB "
                f"with {MEMORY_HEADROOM_MIB} MiB to spare")
    return None


class IoPlaces:
    """Where the add, get and export rows keep their files: a folder of their own on /dev/shm
    (made when a row first goes there) or the project disk's work folder. `remove` deletes the
    memory folder with everything in it; the caller calls it in a `finally`."""

    def __init__(self, disk: Path, choice: str) -> None:
        self.disk = disk
        self.choice = choice          # auto, memory or disk
        self.memory: Path | None = None

    def for_row(self, need_mib: int, *, on_disk: bool = False) -> tuple[Path, Figures]:
        """The folder for a row whose files take up to `need_mib` at once, and the record of
        where that is for the results."""
        refusal = None
        if not on_disk and self.choice != "disk":
            refusal = memory_fs_refusal(need_mib)
            if refusal is None:
                if self.memory is None:
                    self.memory = Path(tempfile.mkdtemp(prefix="papka-bench-", dir=MEMORY_FS))
                return self.memory, {"place": "memory", "folder": str(MEMORY_FS),
                                     "filesystem": filesystem_type(self.memory),
                                     "need_mib": need_mib}
            if self.choice == "memory":
                raise SystemExit(f"bench.vault: --io-on memory, but {refusal}")
            print(f"bench.vault: on the project disk instead of {MEMORY_FS}: {refusal}",
                  file=sys.stderr, flush=True)
        folder = self.disk.parent      # bench/results, named from the project's folder
        shown = folder.relative_to(HERE.parent) if folder.is_relative_to(HERE.parent) else folder
        return self.disk, {"place": "disk", "folder": str(shown),
                           "filesystem": filesystem_type(self.disk), "need_mib": need_mib,
                           "memory_refused": refusal}

    def remove(self) -> None:
        if self.memory is not None:
            shutil.rmtree(self.memory, ignore_errors=True)
            self.memory = None


def stop_on_terminate(signum: int, _frame: FrameType | None) -> None:
    """SIGTERM and SIGHUP end the run as Ctrl-C does, through the `finally` that removes its
    files."""
    raise SystemExit(128 + signum)


def bench_kdf(work: Path, rounds: int) -> Figures:
    """One unlock of an empty container: the KDF runs and slot trials, nothing to load."""
    path = work / "empty"
    Container.create(path, 64 * MiB, PASSPHRASE)
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        Container.open(path, [PASSPHRASE]).close()
        times.append(time.perf_counter() - start)
    path.unlink()
    return spread(times)


def bench_create(work: Path, size_mib: int, rounds: int) -> Figures:
    def ours(number: int) -> float:
        target = work / f"create{number}"
        seconds = timed(lambda: (Container.create(target, size_mib * MiB, PASSPHRASE),
                                 sh(f"sync {target}")))
        target.unlink()
        return seconds

    def theirs(number: int) -> float:
        target = work / f"urandom{number}"
        seconds = timed(lambda: sh(f"head -c {size_mib}M /dev/urandom > {target}"
                                   f" && sync {target}"))
        target.unlink()
        return seconds

    return {"size_mib": size_mib, **side_by_side(rounds, ours, theirs)}


def bench_add_get(work: Path, size_mib: int, rounds: int) -> Figures:
    """Add a file (the round before's copy removed first, untimed), against `age -r` with its
    output synced; then get the last one back (saved under a new name and synced), against
    `age -d` with its output synced. Page cache warm for both. `work` is the folder every file
    goes in (on tmpfs the syncs return at once; they stay so both places run the same steps)."""
    source = work / "payload"
    random_file(source, size_mib)
    key, recipient = age_key(work)
    # Twice the file: a removed document's sectors are freed by the commit after the next.
    Container.create(work / "c", (2 * size_mib + 64) * MiB, PASSPHRASE)
    result: Figures = {"size_mib": size_mib}
    with Container.open(work / "c", [PASSPHRASE]) as box:
        docs = box.newest.documents
        added: list[str] = []

        def add(number: int) -> float:
            if added:
                docs.remove(added.pop())
                box.newest.commit()      # overwrites the removed copy with random now
                os.sync()
            start = time.perf_counter()
            added.append(docs.add(source).id)
            return time.perf_counter() - start

        def age_encrypt(number: int) -> float:
            # Written over the round before's output in place (`1<>` opens without truncating;
            # every output has the same size), as papka's add writes into space its container
            # already holds: neither pays for new memory or blocks, which this virtual machine
            # sometimes takes seconds to hand out. The warm-up round makes the file.
            target = work / "ref.age"
            return timed(lambda: sh(f"{AGE} -r {recipient} {source} 1<> {target}"
                                    f" && sync {target}"))

        def get(number: int) -> float:
            target = work / "got"
            seconds = timed(lambda: (docs.save_to(added[-1], target), sh(f"sync {target}")))
            target.unlink()
            return seconds

        def age_decrypt(number: int) -> float:
            target = work / "ref.out"
            seconds = timed(lambda: sh(f"{AGE} -d -i {key} -o {target} {work}/payload.age"
                                       f" && sync {target}"))
            target.unlink()
            return seconds

        result["add"] = {**side_by_side(rounds, add, age_encrypt, warm_up=True),
                         "reference_in_place": True}
        (work / "ref.age").unlink()
        # The file's age copy only now, and the file gone once it is made: four times the file
        # at most, which lets the row fit in RAM on a machine others use.
        sh(f"{AGE} -r {recipient} -o {work}/payload.age {source}")
        source.unlink()
        result["get"] = side_by_side(rounds, get, age_decrypt, warm_up=True)
    (work / "c").unlink()
    (work / "payload.age").unlink()
    return result


def _export_function() -> Callable[..., object]:
    from papka.exchange import Selection, export_bundle
    from papka.formats.bundle import Protection

    def export(compartment: object, target: Path, recipient: object) -> object:
        return export_bundle(compartment, Selection.parse(["all"]), target,  # type: ignore[arg-type]
                             protection=Protection.to([recipient]),  # type: ignore[list-item]
                             profile="lawyer")
    return export


def bench_export(work: Path, size_mib: int, rounds: int) -> Figures:
    """Exporting four originals as a signed bundle (`papka export --profile lawyer`) against
    `tar -cf - FILES | age -r` of the same files, output synced, page cache warm for both; every
    file in `work`, as for bench_add_get."""
    from papka.formats.bundle import parse_recipient

    export = _export_function()
    files = [work / f"part{i}" for i in range(4)]
    for file in files:
        random_file(file, size_mib // 4)
    _key, recipient = age_key(work)
    Container.create(work / "c", (size_mib + 64) * MiB, PASSPHRASE)
    names = " ".join(f.name for f in files)
    with Container.open(work / "c", [PASSPHRASE]) as box:
        for file in files:
            box.newest.documents.add(file, kind="video")

        def ours(number: int) -> float:
            target = work / f"out{number}.age"
            seconds = timed(lambda: (export(box.newest, target, parse_recipient(recipient)),
                                     sh(f"sync {target}")))
            target.unlink()
            return seconds

        def theirs(number: int) -> float:
            target = work / "ref.age"
            seconds = timed(lambda: sh(f"cd {work} && tar -cf - {names} | {AGE} -r {recipient}"
                                       f" > {target} && sync {target}"))
            target.unlink()
            return seconds

        result = side_by_side(rounds, ours, theirs, warm_up=True)
    for file in files:
        file.unlink()
    (work / "c").unlink()
    return {"size_mib": size_mib, **result}


def bench_import(work: Path, counts: list[int], rounds: int) -> Figures:
    """A folder of `count` files of 1 KiB imported in one commit (`papka add FOLDER`), against
    `tar -cf - FOLDER | age -r` of the same folder, into a fresh container each round."""
    _key, recipient = age_key(work)
    result: Figures = {}
    for count in counts:
        folder = work / f"folder{count}"
        folder.mkdir()
        for number in range(count):
            (folder / f"scan-{number:06d}.jpg").write_bytes(os.urandom(1024))
        size = max(64, count * 6 // 1024 + 64) * MiB

        def ours(number: int, folder: Path = folder, size: int = size) -> float:
            path = work / "import.papka"
            Container.create(path, size, PASSPHRASE)
            with Container.open(path, [PASSPHRASE]) as box:
                seconds = timed(lambda: box.newest.documents.import_folder(folder))
            path.unlink()
            return seconds

        def theirs(number: int, folder: Path = folder) -> float:
            target = work / "folder.age"
            seconds = timed(lambda: sh(f"cd {work} && tar -cf - {folder.name} | {AGE} -r"
                                       f" {recipient} > {target} && sync {target}"))
            target.unlink()
            return seconds

        result[str(count)] = side_by_side(rounds, ours, theirs)
        shutil.rmtree(folder)
    if len(counts) >= 2:
        low, high = str(counts[-2]), str(counts[-1])
        result["growth"] = {
            "from": int(low), "to": int(high),
            "time_ratio": result[high]["papka"]["median_s"] / result[low]["papka"]["median_s"],
            "count_ratio": int(high) / int(low)}
    return result


def space_used(path: Path) -> Figures:
    """What a fresh unlock of `path` finds in use (every data sector one of its objects holds:
    contents and packs, both copies of every catalog page and of the root, search indexes),
    split by kind, in sectors of 4,096 bytes."""
    with Container.open(path, [PASSPHRASE], writable=False) as box:
        compartment = box.newest
        docs = compartment.documents
        first = box.geometry.first_data_sector
        marked = box.space.map[first:].count(1)
        pages = sum(p.sectors for copies in docs._page_pointers if copies for p in copies)
        search = sum(p.sectors for p in docs._search_pointers if p)
        packs = sum(p.sectors for p in docs._packs.values())
        used = compartment.used_sectors()
        stored = sum(d.size for d in docs.list())
        return {"sectors": used, "sectors_marked_in_use": marked, "bytes_stored": stored,
                "ratio": used * 4096 / stored, "catalog_pages_both_copies": pages,
                "search_indexes": search, "packs": packs, "pack_count": len(docs._packs),
                "root_and_other": used - pages - search - packs,
                "catalog_format": compartment.root.format}


def bench_space(work: Path, folder_count: int, one_by_one: int) -> Figures:
    """Bytes of container per byte stored, for papers of 1 KiB: `folder_count` of them imported
    as a folder in one commit, and `one_by_one` added one commit each."""
    folder = work / "space-folder"
    folder.mkdir()
    for number in range(folder_count):
        (folder / f"scan-{number:06d}.jpg").write_bytes(os.urandom(1024))
    path = work / "space.papka"
    Container.create(path, (folder_count * 6 // 1024 + 64) * MiB, PASSPHRASE)
    with Container.open(path, [PASSPHRASE]) as box:
        seconds = timed(lambda: box.newest.documents.import_folder(folder))
    result: Figures = {"folder": {"documents": folder_count, "import_s": seconds,
                                  **space_used(path)}}
    path.unlink()
    shutil.rmtree(folder)
    Container.create(path, 64 * MiB, PASSPHRASE)
    with Container.open(path, [PASSPHRASE]) as box:
        docs = box.newest.documents
        start = time.perf_counter()
        for number in range(one_by_one):
            docs.add(io.BytesIO(os.urandom(1024)), filename=f"scan-{number:06d}.jpg")
        seconds = time.perf_counter() - start
    result["one_by_one"] = {"documents": one_by_one, "add_all_s": seconds, **space_used(path)}
    path.unlink()
    return result


def list_command_seconds(path: Path, passphrase_file: Path) -> float:
    """`papka list` of every document of `path` as a command (Python's start-up, the unlock
    and the rows, written to /dev/null), the passphrase given on a file descriptor."""
    papka = Path(sys.executable).with_name("papka")
    with open(passphrase_file) as secret:
        command = [str(papka), "--lang", "en", "-c", str(path), "--passphrase-fd",
                   str(secret.fileno()), "list"]
        start = time.perf_counter()
        subprocess.run(command, pass_fds=(secret.fileno(),), check=True,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        return time.perf_counter() - start


def bench_scale(work: Path, counts: list[int], rounds: int) -> Figures:
    """Many documents of 1 KiB: unlock, the first list after it (which builds the records),
    `papka list` of every document through the command (interpreter start-up and unlock
    included, output to /dev/null), and one small commit."""
    result: Figures = {}
    empty = work / "empty"
    Container.create(empty, 64 * MiB, PASSPHRASE)
    for count in counts:
        path = work / f"many{count}"
        Container.create(path, (count * 5 // 1024 + 128) * MiB, PASSPHRASE)
        with Container.open(path, [PASSPHRASE]) as box:
            docs = box.newest.documents
            with docs.batch():
                for number in range(count):
                    # Each paper different, so that its hash does not compress away in the
                    # catalog and the space figure is a real one.
                    docs.add(io.BytesIO(os.urandom(1024)), title=f"Справка номер {number}",
                             kind="other", tags=["bulk"], filename=f"scan-{number}.jpg")
        space = space_used(path)
        unlocks, firsts, commands, commits, beyond = [], [], [], [], []
        passphrase_file = work / "passphrase"
        passphrase_file.write_text(PASSPHRASE + "\n")
        for _ in range(rounds):
            # The KDF's cost, measured next to each full unlock: an empty container's unlock
            # runs the same Argon2id and slot trials with nothing to load.
            start = time.perf_counter()
            Container.open(empty, [PASSPHRASE]).close()
            kdf_round = time.perf_counter() - start
            start = time.perf_counter()
            box = Container.open(path, [PASSPHRASE])
            unlocks.append(time.perf_counter() - start)
            with box:
                start = time.perf_counter()
                listed = box.newest.documents.list()
                firsts.append(time.perf_counter() - start)
                beyond.append(unlocks[-1] + firsts[-1] - kdf_round)
                assert len(listed) >= count
                small = io.BytesIO(b"small paper" * 100)
                start = time.perf_counter()
                box.newest.documents.add(small, title="small")
                commits.append(time.perf_counter() - start)
            if count > 50_000:
                continue             # the command's figure is taken at 50,000 rows
            commands.append(list_command_seconds(path, passphrase_file))
        path.unlink()
        passphrase_file.unlink()
        result[str(count)] = {
            "documents": count, "unlock": spread(unlocks),
            "first_list": spread(firsts), "unlock_and_first_list_beyond_kdf": spread(beyond),
            "commit_small": spread(commits), "space": space}
        if commands:
            result[str(count)]["papka_list_command"] = spread(commands)
            result[str(count)]["papka_list_command_beyond_unlock"] = spread(
                [c - u for c, u in zip(commands, unlocks, strict=True)])
    empty.unlink()
    return result


def bench_startup(work: Path, rounds: int) -> Figures:
    """The command's fixed costs: starting Python and importing papka (`papka --version`), the
    crypto self-test alone (in this process), and `papka list` of an empty container as a
    command, against the in-process unlock of the same container in the same round (the KDF
    and slot trials)."""
    from papka.vault.selftest import run_self_test

    empty = work / "startup-empty"
    Container.create(empty, 64 * MiB, PASSPHRASE)
    passphrase_file = work / "startup-passphrase"
    passphrase_file.write_text(PASSPHRASE + "\n")
    papka = str(Path(sys.executable).with_name("papka"))
    versions, selftests, unlocks, lists, beyond = [], [], [], [], []
    quiet = {"stdin": subprocess.DEVNULL, "stdout": subprocess.DEVNULL, "check": True}
    for _ in range(max(rounds, 5)):
        versions.append(timed(lambda: subprocess.run([papka, "--version"], **quiet)))
        selftests.append(timed(run_self_test))
        unlocks.append(timed(lambda: Container.open(empty, [PASSPHRASE]).close()))
        lists.append(list_command_seconds(empty, passphrase_file))
        beyond.append(lists[-1] - unlocks[-1])
    empty.unlink()
    passphrase_file.unlink()
    return {"version_command": spread(versions), "self_test": spread(selftests),
            "unlock_empty": spread(unlocks), "list_empty_command": spread(lists),
            "list_empty_command_beyond_unlock": spread(beyond)}


PEAK_CHILD = r"""
import sys
from pathlib import Path
from papka.vault import Container

def high_water_mib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024

what, path, argument, passphrase = sys.argv[1:5]
with Container.open(path, [passphrase]) as box:
    unlock_peak = high_water_mib()                      # the KDF's memory is in this one
    with open("/proc/self/clear_refs", "w") as refs:   # the high-water mark starts again here
        refs.write("5")
    before = high_water_mib()
    docs = box.newest.documents
    if what == "add":
        docs.add(argument)
    elif what == "get":
        docs.save_to(docs.list()[0].id, argument)
    elif what == "export":
        from papka.exchange import Selection, export_bundle
        from papka.formats.bundle import Protection, parse_recipient
        export_bundle(box.newest, Selection.parse(["all"]), argument, profile="lawyer",
                      protection=Protection.to([parse_recipient(sys.argv[5])]))
    print(unlock_peak, before, high_water_mib())
"""

def bench_peak_memory(work: Path, size_mib: int) -> Figures:
    """Peak resident memory of a child process that unlocks and then adds, gets or exports one
    file of `size_mib`: its high-water mark (VmHWM, Linux) once unlocked, which holds the KDF's
    memory; then, reset, across the step alone. The whole process's peak (what ru_maxrss would
    say) is the larger of the two."""
    source = work / "big"
    random_file(source, size_mib)
    _key, recipient = age_key(work)
    path = work / "peak.papka"
    Container.create(path, (size_mib + 64) * MiB, PASSPHRASE)

    def peak(name: str, *arguments: str) -> None:
        out = subprocess.run([sys.executable, "-c", PEAK_CHILD, name, *arguments],
                             capture_output=True, text=True, check=True).stdout
        unlock_peak, before, during = (float(x) for x in out.split())
        whole = max(unlock_peak, during)
        figures[name] = {"whole_process_peak_mib": whole,
                         "whole_process_beyond_kdf_mib": whole - figures["kdf_mib"],
                         "after_unlock_mib": before, "peak_after_unlock_mib": during,
                         "growth_during_mib": during - before}

    figures: Figures = {"file_mib": size_mib, "kdf_mib": _crypto.KDF_V1.memory_kib / 1024}
    peak("unlock", str(path), "-", PASSPHRASE)
    peak("add", str(path), str(source), PASSPHRASE)
    source.unlink()
    peak("get", str(path), str(work / "got"), PASSPHRASE)
    (work / "got").unlink()
    peak("export", str(path), str(work / "out.age"), PASSPHRASE, recipient)
    (work / "out.age").unlink()
    path.unlink()
    return figures


def conditions(quick: bool, rounds: int, io_rounds: int) -> Figures:
    load = os.getloadavg()
    with open("/proc/meminfo") as meminfo:
        total = int(meminfo.readline().split()[1]) // 1024 // 1024
    return {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, {total} GiB",
            "python": platform.python_version(), "load_before": [round(x, 2) for x in load],
            "quick": quick, "rounds": rounds, "io_rounds": io_rounds,
            "memory_available_mib": memory_available_mib(),
            "age": subprocess.run([str(AGE), "--version"], capture_output=True,
                                  text=True).stdout.strip() if AGE else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="256 MiB instead of 1 GiB, fewer documents (about 2 minutes)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--io-rounds", type=int, default=11,
                        help="rounds for add, get and export, whose single rounds move most: "
                        "a new 1 GiB file, even in RAM, sometimes costs 1 to 6 s more on the "
                        "project's virtual machine (memory the host took back, for either "
                        "tool), so they need more rounds for a stable median")
    parser.add_argument("--only", help="comma-separated steps, e.g. add_get,export")
    parser.add_argument("--io-on", choices=("auto", "memory", "disk"), default="auto",
                        help="where add, get and export keep the container, inputs and outputs "
                        f"(both tools alike): memory is {MEMORY_FS} (tmpfs), disk the project "
                        "disk with every output synced; auto (the default) takes memory when "
                        "it has room for the row and the disk otherwise")
    parser.add_argument("--disk-too", action="store_true",
                        help="also run add, get and export on the project disk, synced, as "
                        "secondary rows (add_get_disk, export_disk); on a virtual disk they do "
                        "not reproduce within 20 %%")
    args = parser.parse_args()
    if not (AGE and AGE_KEYGEN):
        sys.exit("bench.vault needs the age and age-keygen commands")
    size = 256 if args.quick else 1024
    peak = 512 if args.quick else 2048
    imports = [1000, 5000] if args.quick else [1000, 10_000, 50_000]
    scale = [10_000] if args.quick else [50_000, 100_000]
    results_dir = HERE / "results"
    results_dir.mkdir(exist_ok=True)
    for ending in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(ending, stop_on_terminate)
    work = Path(tempfile.mkdtemp(dir=results_dir))    # the same disk as the project
    places = IoPlaces(work, args.io_on)
    results: Figures = {"conditions": conditions(args.quick, args.rounds, args.io_rounds)}

    def placed(need_mib: int, bench: Callable[[Path], Figures], on_disk: bool = False) -> Figures:
        folder, where = places.for_row(need_mib, on_disk=on_disk)
        return {**bench(folder), "filesystem": where}

    # The most a row's files take at once: add_get a container of twice the file, the file or
    # its age copy, and one output; export the four parts, the container and one bundle.
    add_get_mib, export_mib = 4 * size + 64, 3 * size + 64
    steps: list[tuple[str, Callable[[], Figures]]] = [
        ("kdf", lambda: bench_kdf(work, args.rounds)),
        ("create", lambda: bench_create(work, size, args.rounds)),
        ("add_get", lambda: placed(add_get_mib,
                                   lambda folder: bench_add_get(folder, size, args.io_rounds))),
        ("export", lambda: placed(export_mib,
                                  lambda folder: bench_export(folder, size, args.io_rounds))),
        ("import", lambda: bench_import(work, imports, args.rounds)),
        ("scale", lambda: bench_scale(work, scale, args.rounds)),
        ("startup", lambda: bench_startup(work, args.rounds)),
        ("space", lambda: bench_space(work, 10_000, 1_000)),
        ("peak", lambda: bench_peak_memory(work, peak)),
    ]
    if args.disk_too and args.io_on != "disk":
        steps += [
            ("add_get_disk", lambda: placed(add_get_mib, lambda folder: bench_add_get(
                folder, size, args.io_rounds), on_disk=True)),
            ("export_disk", lambda: placed(export_mib, lambda folder: bench_export(
                folder, size, args.io_rounds), on_disk=True)),
        ]
    if args.only:
        wanted = args.only.split(",")
        steps = [(name, step) for name, step in steps
                 if name in wanted or name.removesuffix("_disk") in wanted]
    try:
        for name, step in steps:
            start = time.perf_counter()
            results[name] = step()
            print(f"{name}: {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
            print(json.dumps({name: results[name]}, indent=1), flush=True)
    finally:
        places.remove()
        shutil.rmtree(work, ignore_errors=True)
    results["conditions"]["load_after"] = [round(x, 2) for x in os.getloadavg()]
    (results_dir / "vault.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
