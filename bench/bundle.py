"""Bundle export and verification speed, side by side with `tar | age -r`, and peak memory.

Run: .venv/bin/python bench/bundle.py [--size-mib 1024] [--files 4] [--runs 3] [--stream-gib 2]

Makes ``--files`` files of random bytes totalling ``--size-mib`` in a temporary folder (random,
so nothing compresses and no cache trick helps), reads them once so that every contender starts
from a warm page cache, then times, each in its own process:
  - papka: write_bundle of the files to an X25519 recipient, into a file;
  - tar | age: `tar -cf - FILES | age -r RECIPIENT > file` (two processes on two cores);
  - papka verify and `age -d -i KEY | tar -t`.
Peak memory is each process's maximum resident set size. ``--stream-gib`` also exports one
document of that size generated on the fly (no disk), to show memory stays flat.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from papka.formats.bundle import Protection

_MIB = 1024 * 1024


def _child_export(folder: Path, out: Path, public: str) -> None:
    from papka.formats.bundle import BundleItem, SigningKey, parse_recipient, write_bundle

    files = sorted(folder.iterdir())
    items = [
        BundleItem("video", f"Видео {n}", "video/mp4", path.stat().st_size,
                   (lambda p=path: open(p, "rb")), "mp4")  # noqa: SIM115
        for n, path in enumerate(files, start=1)
    ]
    with open(out, "wb") as target:
        write_bundle(target, items, signer=SigningKey.generate(),
                     protection=Protection.to([parse_recipient(public)]))


def _child_verify(bundle: Path, key: Path) -> None:
    from papka.formats.bundle import parse_identities, verify_bundle

    verify_bundle(bundle, identities=parse_identities(key.read_text()))


class _Endless(io.RawIOBase):
    """``size`` bytes of a repeated random block, made on the fly: a big document with no disk."""

    def __init__(self, size: int) -> None:
        self._left = size
        self._block = os.urandom(_MIB)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self._left <= 0:
            return b""
        take = min(size if size > 0 else _MIB, self._left, _MIB)
        self._left -= take
        return self._block[:take]


def _child_stream(size: int, public: str) -> None:
    from papka.formats.bundle import BundleItem, SigningKey, parse_recipient, write_bundle

    class Discard(io.RawIOBase):
        def writable(self) -> bool:
            return True

        def write(self, data: bytes) -> int:  # type: ignore[override]
            return len(data)

    item = BundleItem("video", "Видео", "video/mp4", size, lambda: _Endless(size), "mp4")
    write_bundle(Discard(), [item], signer=SigningKey.generate(),
                 protection=Protection.to([parse_recipient(public)]))


_TIMER = """
import json, resource, subprocess, sys, time
pipeline, output = json.loads(sys.argv[1])
sink = open(output, "wb") if output else subprocess.DEVNULL
start = time.perf_counter()
processes, feed = [], None
for number, command in enumerate(pipeline):
    last = number == len(pipeline) - 1
    process = subprocess.Popen(command, stdin=feed,
                               stdout=sink if last else subprocess.PIPE)
    if feed is not None:
        feed.close()
    feed = process.stdout
    processes.append(process)
codes = [p.wait() for p in processes]
elapsed = time.perf_counter() - start
if any(codes):
    sys.exit("a benchmark command failed")
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(elapsed, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime)
"""


def _timed(pipeline: list[list[str]], output: Path | None = None) -> tuple[float, float, float]:
    """Wall seconds of a pipeline, the peak RSS (MiB) of its largest process, and the CPU
    seconds of all its processes (a fairer figure than wall time on a busy machine)."""
    result = subprocess.run(
        [sys.executable, "-c", _TIMER, json.dumps([pipeline, str(output) if output else ""])],
        check=True, capture_output=True, text=True)
    seconds, rss, cpu = result.stdout.split()
    return float(seconds), float(rss), float(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--stream-gib", type=float, default=2.0)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        if kind == "export":
            _child_export(Path(rest[0]), Path(rest[1]), rest[2])
        elif kind == "verify":
            _child_verify(Path(rest[0]), Path(rest[1]))
        else:
            _child_stream(int(rest[0]), rest[1])
        return

    for tool in ("age", "tar"):
        if shutil.which(tool) is None:
            sys.exit(f"bench needs the {tool} command")
    from papka.formats.bundle import generate_identity, identity_file_text

    secret, public = generate_identity()
    me = [sys.executable, str(Path(__file__).resolve()), "--child"]
    with tempfile.TemporaryDirectory(prefix="papka-bench-") as tmp:
        work = Path(tmp)
        folder = work / "files"
        folder.mkdir()
        per_file = args.size_mib * _MIB // args.files
        for n in range(args.files):
            with open(folder / f"{n:02d}.mp4", "wb") as target:
                for _ in range(per_file // _MIB):
                    target.write(os.urandom(_MIB))
        for path in folder.iterdir():  # warm the page cache for everyone
            with open(path, "rb") as source:
                while source.read(8 * _MIB):
                    pass
        key = work / "key.txt"
        key.write_text(identity_file_text(secret, public, "bench"))
        total = args.files * per_file
        rows: dict[str, list[tuple[float, float, float]]] = {}
        names = sorted(p.name for p in folder.iterdir())
        for _ in range(args.runs):
            rows.setdefault("export: papka write_bundle", []).append(
                _timed([[*me, "export", str(folder), str(work / "papka.age"), public]]))
            rows.setdefault("export: tar | age -r", []).append(_timed(
                [["tar", "-C", str(folder), "-cf", "-", *names], ["age", "-r", public]],
                work / "tar.age"))
            rows.setdefault("verify: papka verify_bundle", []).append(
                _timed([[*me, "verify", str(work / "papka.age"), str(key)]]))
            rows.setdefault("read: age -d | tar -t", []).append(_timed(
                [["age", "-d", "-i", str(key), str(work / "tar.age")], ["tar", "-t"]]))
        print(f"{total / _MIB:.0f} MiB in {args.files} files, median of {args.runs} runs, "
              f"{os.cpu_count()} cores")
        print(f"{'':34} {'seconds':>8} {'MB/s':>8} {'CPU s':>7} {'peak RSS MiB':>13}")
        for name, results in rows.items():
            seconds = statistics.median(r[0] for r in results)
            cpu = statistics.median(r[2] for r in results)
            rss = max(r[1] for r in results)
            print(f"{name:34} {seconds:8.2f} {total / seconds / 1e6:8.0f} {cpu:7.2f} {rss:13.0f}")
        if args.stream_gib:
            size = int(args.stream_gib * 1024 * _MIB)
            seconds, rss, cpu = _timed([[*me, "stream", str(size), public]])
            label = f"export one {args.stream_gib:.1f} GiB document"
            print(f"{label:34} {seconds:8.2f} {size / seconds / 1e6:8.0f} {cpu:7.2f} {rss:13.0f}")


if __name__ == "__main__":
    main()
