"""A model of a container's sectors, for measuring format 3's design before it is written
(docs/FORMAT.md §10). Not the container: no bytes, no cryptography. For every sector it keeps
who owns it (nobody, the decoy, the hidden compartment) and how often it was written, and it
runs sessions the way format 2 writes today (`design="today"`) or the way format 3's design
says (`design="v3"`). An examiner's features are computed from two snapshots the same way
tests/prove/test_two_images.py computes them from two images of a real container.

What a session does in the v3 design:
- it draws a plan: runs of 1-16 sectors totalling `floor` sectors plus `per_write` times the
  sectors the decoy wrote, starting at uniformly random sectors of the zone (the last quarter
  of the data area) that the decoy does not use, and `singles` single sectors likewise;
- the decoy writes as it always does (its objects lowest-first, two catalog copies, and its
  anchor set: the sectors its root is found through; the decoy passphrase explains all of it);
- a hidden compartment, if open, writes its coded shares and its catalog into run sectors of
  the plan, spread over its runs, and its anchor set in place of singles; a share of its own
  that lies in the plan is written again elsewhere in the plan (it knows the plan); the rest
  of the plan is filled with random bytes. If the hidden work does not fit, the plan grows
  (and the session is visible: `cover_exceeded`);
- no slot changes.
"""

from __future__ import annotations

import math
import random
import statistics
from dataclasses import dataclass, field

SECTORS = 32768                # data sectors modelled: 128 MiB
ZONE = SECTORS * 3 // 4        # the zone starts here: the last quarter of the data area
SLOTS = 16
RUN_LONGEST = 16
ANCHOR_SETS, ANCHOR_REPLICAS = 4, 4
DECOY_SLOT, HIDDEN_SLOT = 3, 11


def parity_for(data: int, damage: float, loss: float = 1e-5) -> int:
    """Parity shares for `data` data shares so that, with every share lost independently with
    probability `damage`, the chance of losing the object stays under `loss`."""
    parity = 0
    while True:
        n = data + parity
        tail = sum(math.comb(n, lost) * damage ** lost * (1 - damage) ** (n - lost)
                   for lost in range(parity + 1, n + 1))
        if tail <= loss or n >= 256:
            return parity
        parity += 1


@dataclass
class Document:
    data: int
    parity: int
    shares: set[int] = field(default_factory=set)

    @property
    def readable(self) -> bool:
        return len(self.shares) >= self.data


@dataclass
class Disk:
    design: str
    rng: random.Random
    floor: int = 0
    per_write: float = 0.1
    singles: int = ANCHOR_REPLICAS
    damage: float = 0.2            # the damage rate shares are coded for (v3)
    writes: list[int] = field(default_factory=lambda: [0] * SECTORS)
    slots: list[int] = field(default_factory=lambda: [0] * (2 * SLOTS))
    decoy: set[int] = field(default_factory=set)
    decoy_catalog: list[int] = field(default_factory=list)
    decoy_pending: list[int] = field(default_factory=list)
    hidden: dict[int, tuple[int, int]] = field(default_factory=dict)   # sector -> (doc, share)
    documents: dict[int, Document] = field(default_factory=dict)
    hidden_pending: list[int] = field(default_factory=list)
    hidden_session = 0
    cover_exceeded = False
    budget = 0

    def __post_init__(self) -> None:
        draw = random.Random(self.rng.random())
        self.decoy_anchors = [[draw.randrange(ZONE, SECTORS) for _ in range(ANCHOR_REPLICAS)]
                              for _ in range(ANCHOR_SETS)]
        self.hidden_anchors = [[draw.randrange(ZONE, SECTORS) for _ in range(ANCHOR_REPLICAS)]
                               for _ in range(ANCHOR_SETS)]
        self.decoy_session = 0
        self._low = 0
        if self.design == "v3":
            self.decoy.update(s for group in self.decoy_anchors for s in group)

    # -- writing -----------------------------------------------------------------------------
    def _write(self, sector: int) -> None:
        self.writes[sector] += 1
        owner = self.hidden.pop(sector, None)
        if owner is not None:
            self.documents[owner[0]].shares.discard(sector)

    def _decoy_sector(self, skip_hidden: bool) -> int:
        """The lowest sector the decoy may take: free in the session's view."""
        sector = self._low
        while sector in self.decoy or (skip_hidden and sector in self.hidden):
            sector += 1
        if sector >= SECTORS:
            raise RuntimeError("full")
        return sector

    def decoy_commit(self, sectors: int, hidden_open: bool) -> None:
        # Format 2 skips hidden sectors only when the hidden compartment is open; the v3 design
        # keeps hidden data out of the decoy's way (the zone) instead.
        skip_hidden = hidden_open and self.design == "today"
        for _ in range(sectors):
            s = self._decoy_sector(skip_hidden)
            self.decoy.add(s)
            self._write(s)
            while self._low in self.decoy:
                self._low += 1
        for s in self.decoy_pending:                          # overwritten one commit later
            self.decoy.discard(s)
            self._low = min(self._low, s)
            self._write(s)
        self.decoy_pending = list(self.decoy_catalog)
        self.decoy_catalog = []
        for start in (0, SECTORS // 4):                       # two catalog copies
            s = start
            while s in self.decoy or (hidden_open and self.design == "today"
                                      and s in self.hidden):
                s += 1
            self.decoy.add(s)
            self.decoy_catalog.append(s)
            self._write(s)
        while self._low in self.decoy:
            self._low += 1
        if self.design == "today":
            self.slots[DECOY_SLOT] += 1
            self.slots[SLOTS + DECOY_SLOT] += 1
        else:
            for s in self.decoy_anchors[self.decoy_session % ANCHOR_SETS]:
                self._write(s)

    # -- the v3 session plan ------------------------------------------------------------------
    def _plan(self, sectors: int, taken: set[int]) -> list[int]:
        plan: list[int] = []
        while len(plan) < sectors:
            start = self.rng.randrange(ZONE, SECTORS)
            length = min(self.rng.randint(1, RUN_LONGEST), sectors - len(plan))
            run = []
            for s in range(start, min(start + length, SECTORS)):
                if s in self.decoy or s in taken:
                    break
                run.append(s)
            taken.update(run)
            plan.extend(run)
        return plan

    def _singles(self, count: int, taken: set[int]) -> list[int]:
        chosen: list[int] = []
        while len(chosen) < count:
            s = self.rng.randrange(ZONE, SECTORS)
            if s not in self.decoy and s not in taken:
                taken.add(s)
                chosen.append(s)
        return chosen

    # -- sessions ------------------------------------------------------------------------------
    def session(self, decoy_sectors: int, hidden_docs: list[int] | None,
                repair: bool = True) -> None:
        """One writing session: the decoy writes `decoy_sectors` (0: the session commit alone);
        `hidden_docs`, when not None, are sizes in sectors of documents the hidden compartment
        adds (the hidden passphrase was given)."""
        self.decoy_session += 1
        self.decoy_commit(decoy_sectors, hidden_docs is not None)
        if self.design == "today":
            if hidden_docs is not None:
                self._hidden_today(hidden_docs)
            return
        taken: set[int] = set()
        self.budget = self.floor + round(self.per_write * decoy_sectors)
        plan = self._plan(self.budget, taken)
        singles = self._singles(self.singles, taken)
        if hidden_docs is not None:
            self._hidden_v3(hidden_docs, plan, singles, taken, repair)
        for s in plan + singles:
            self._write(s)

    def _hidden_today(self, sizes: list[int]) -> None:
        for s in self.hidden_pending:
            self._write(s)
            self.hidden.pop(s, None)
        self.hidden_pending = []
        for size in sizes:
            doc = len(self.documents)
            document = self.documents[doc] = Document(size, 0)
            for index in range(size + 2):                     # its sectors and catalog space
                s = SECTORS - 1
                while s in self.decoy or s in self.hidden:
                    s -= 1
                self.hidden[s] = (doc, index)
                document.shares.add(s)
                self._write(s)
        self.slots[HIDDEN_SLOT] += 1
        self.slots[SLOTS + HIDDEN_SLOT] += 1

    def _hidden_v3(self, sizes: list[int], plan: list[int], singles: list[int],
                   taken: set[int], repair: bool) -> None:
        in_plan = set(plan) | set(singles)
        place = iter(_spread(plan))
        placed: list[tuple[int, int, int]] = []

        anchors = {s for group in self.hidden_anchors for s in group}

        def take() -> int:
            """The next sector of the plan a share may go to (never one of its own anchor
            sectors: a plan sector there is filled with random bytes like any other)."""
            nonlocal place
            while True:
                s = next(place, None)
                if s is None:               # the hidden work does not fit the plan
                    self.cover_exceeded = True
                    extra = self._plan(max(self.budget, 4 * RUN_LONGEST), taken)
                    plan.extend(extra)
                    in_plan.update(extra)
                    place = iter(_spread(extra))
                    continue
                if s not in anchors:
                    return s

        # Its own shares the plan will overwrite, and (repair) shares lost since, are rewritten.
        for doc, document in self.documents.items():
            lost = [s for s in document.shares if s in in_plan]
            missing = document.data + document.parity - len(document.shares) if repair else 0
            if document.readable:
                for s in lost:
                    document.shares.discard(s)
                    self.hidden.pop(s, None)
                for _ in range(len(lost) + missing):
                    placed.append((doc, -1, take()))
        for size in sizes:
            doc = len(self.documents)
            self.documents[doc] = Document(size, parity_for(size, self.damage))
            for index in range(size + self.documents[doc].parity):
                placed.append((doc, index, take()))
        catalog = 2 + parity_for(2, self.damage)              # its catalog, coded likewise
        for index in range(catalog):
            placed.append((-1, index, take()))
        anchor_set = self.hidden_anchors[self.hidden_session % ANCHOR_SETS]
        self.hidden_session += 1
        usable = [s for s in anchor_set if s not in self.decoy]
        for s in singles[:len(usable)]:
            singles.remove(s)
        singles.extend(usable)              # written in their place: counts stay the same
        for doc, index, s in placed:
            plan.remove(s)
            self._write(s)
            if doc >= 0:
                self.hidden[s] = (doc, index)
                self.documents[doc].shares.add(s)

    # -- what the examiner sees -------------------------------------------------------------
    def snapshot(self) -> tuple[list[int], list[int], set[int]]:
        return list(self.writes), list(self.slots), set(self.decoy)


def _spread(plan: list[int]) -> list[int]:
    """The plan's sectors one run after another, first sector of each run, then second ...:
    consecutive shares of a stripe go to different runs, so that one churn run of a later
    session, which overwrites consecutive sectors, takes at most a few shares of a stripe."""
    runs: list[list[int]] = []
    for sector in sorted(plan):
        if runs and runs[-1][-1] == sector - 1:
            runs[-1].append(sector)
        else:
            runs.append([sector])
    return [run[i] for i in range(RUN_LONGEST * 4) for run in runs if i < len(run)]


def _runs(sectors: list[int]) -> list[int]:
    lengths: list[int] = []
    for index, sector in enumerate(sectors):
        if index and sector == sectors[index - 1] + 1:
            lengths[-1] += 1
        else:
            lengths.append(1)
    return lengths


def features(before: tuple[list[int], list[int], set[int]],
             after: tuple[list[int], list[int], set[int]]) -> list[float]:
    """What tests/prove/test_two_images.py's examiner computes from two images and the decoy
    passphrase: changed sectors, header slots changed that are not the decoy's, unexplained
    sectors, runs, positions."""
    data = [s for s in range(SECTORS) if before[0][s] != after[0][s]]
    slots = {i % SLOTS for i in range(2 * SLOTS) if before[1][i] != after[1][i]}
    foreign = slots - {DECOY_SLOT}
    unexplained = [s for s in data if s not in before[2] | after[2]]
    runs = _runs(unexplained) or [0]
    positions = [s / SECTORS for s in unexplained] or [0.0]
    return [float(len(data)), float(len(slots)), float(len(foreign)), float(len(unexplained)),
            len(unexplained) / max(1, len(data)), float(len(runs)), statistics.fmean(runs),
            float(max(runs)), statistics.fmean(positions), max(positions),
            sum(p > 0.875 for p in positions) / len(positions)]
