"""A real crash: a child process storing documents is killed with SIGKILL at random moments.
Every document it reported as committed must be there, whole; a half-added one must not."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from papka.vault import Container
from tests.vault.helpers import DECOY, HIDDEN, MiB, new_container

WRITER = r"""
import hashlib, io, os, random, sys
from papka.vault import Container, _crypto
_crypto.weaken_for_tests()
path, seed = sys.argv[1], int(sys.argv[2])
rng = random.Random(seed)
passphrase = sys.stdin.readline().rstrip("\n")
with Container.open(path, [passphrase]) as box:
    docs = box.newest.documents
    while True:
        data = rng.randbytes(rng.choice([10, 5000, 300_000, 3 * 1024 * 1024]))
        if docs.list() and rng.random() < 0.3:
            victim = rng.choice(docs.list()).id
            print("removing", victim, flush=True)
            docs.remove(victim)
            print("removed", victim, flush=True)
        doc = docs.add(io.BytesIO(data), title="t")
        print("added", doc.id, hashlib.sha256(data).hexdigest(), flush=True)
"""


def _run_and_kill(path: Path, writer: str, passphrase: str, round_: int, rng: random.Random,
                  committed: dict[str, str]) -> str | None:
    """Start a writer, kill it with SIGKILL at a random moment, and record in committed what it
    reported; returns a removal it reported starting but not ending (the kill may have cut it)."""
    child = subprocess.Popen([sys.executable, "-c", writer, str(path), str(round_)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write(passphrase + "\n")
    child.stdin.close()
    time.sleep(0.3 + rng.random() * 1.5)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    in_flight = None
    for line in child.stdout.read().splitlines():
        words = line.split()
        if words[0] == "added":
            committed[words[1]] = words[2]
            in_flight = None
        elif words[0] == "removing":
            in_flight = words[1]
        elif words[0] == "removed":
            committed.pop(words[1], None)
            in_flight = None
    return in_flight


def _check_survivor(path: Path, passphrase: str, committed: dict[str, str],
                    in_flight: str | None, *, at_most_one_cut: bool) -> dict[str, str]:
    """Every committed document is there and whole, and check finds nothing damaged; returns
    what the container holds now, as the next round's committed documents."""
    with Container.open(path, [passphrase]) as box:
        docs = box.newest.documents
        present = {d.id for d in docs.list()}
        if in_flight is not None and in_flight not in present:
            committed.pop(in_flight)  # the removal reached its commit before the kill
        assert set(committed) <= present, "a committed document was lost"
        if at_most_one_cut:
            # At most one operation was cut: one document added or removed but not reported.
            assert len(present ^ set(committed)) <= 1
        for doc_id, digest in committed.items():
            assert hashlib.sha256(docs.read_bytes(doc_id)).hexdigest() == digest
        now = {d: hashlib.sha256(docs.read_bytes(d)).hexdigest() for d in present}
        assert box.check().ok
    return now


@pytest.mark.slow
def test_sigkill_at_random_moments_loses_nothing_committed(workdir: Path) -> None:
    path = new_container(workdir / "box", size=64 * MiB)
    with Container.open(path, [DECOY]) as box:
        box.add_compartment(HIDDEN)
    committed: dict[str, str] = {}
    rng = random.Random(2024)
    for round_ in range(12):
        in_flight = _run_and_kill(path, WRITER, HIDDEN, round_, rng, committed)
        committed = _check_survivor(path, HIDDEN, committed, in_flight, at_most_one_cut=True)


SMALL_WRITER = r"""
import hashlib, io, os, random, sys
from papka.vault import Container, _crypto
_crypto.weaken_for_tests()
path, seed = sys.argv[1], int(sys.argv[2])
rng = random.Random(seed)
passphrase = sys.stdin.readline().rstrip("\n")

def say(*words):
    os.write(1, (" ".join(words) + "\n").encode())   # one write: a kill never cuts a line
with Container.open(path, [passphrase]) as box:
    docs = box.newest.documents
    while True:
        listed = docs.list()
        if listed and rng.random() < 0.4:
            victim = rng.choice(listed).id
            say("removing", victim)
            docs.remove(victim)
            say("removed", victim)
        papers = [rng.randbytes(rng.randrange(0, 3000)) for _ in range(rng.randrange(1, 40))]
        with docs.batch():
            added = [docs.add(io.BytesIO(data), title="t").id for data in papers]
        for doc_id, data in zip(added, papers):
            say("added", doc_id, hashlib.sha256(data).hexdigest())
"""


@pytest.mark.slow
def test_sigkill_while_packing_small_papers_loses_nothing_committed(workdir: Path) -> None:
    """Batches of small papers (packed together) and removals of packed papers (which rewrite
    their pack), killed at random moments: every paper reported as committed is there, whole,
    and `check` finds nothing damaged (all-or-nothing of a batch: test_crash_model.py)."""
    path = new_container(workdir / "box", size=32 * MiB)
    committed: dict[str, str] = {}
    rng = random.Random(99)
    for round_ in range(10):
        in_flight = _run_and_kill(path, SMALL_WRITER, DECOY, round_, rng, committed)
        committed = _check_survivor(path, DECOY, committed, in_flight, at_most_one_cut=False)
