"""A model of a container's sectors, for measuring format 3's design before it is written
(docs/FORMAT.md §10). Not the container: no bytes, no cryptography. For every sector it keeps
who owns it (nobody, the decoy, the hidden compartment) and how often it was written, and it
runs sessions the way format 2 writes today (`design="today"`) or the way format 3's design
says (`design="v3"`). An examiner's features are computed from two snapshots the same way
tests/prove/test_two_images.py computes them from two images of a real container.

What a session does in the v3 design:
- it draws a plan: runs of 1 … churn.RUN_LONGEST sectors totalling `floor` sectors plus
  `per_write` times the sectors the decoy wrote, starting at uniformly random sectors of the
  zone (the last quarter of the data area) that the decoy does not use, and `singles` single
  sectors likewise;
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

import random
import statistics
from dataclasses import dataclass, field

from papka.vault.anchors import ANCHOR_REPLICAS, ANCHOR_SETS, choose_set
from papka.vault.churn import SINGLES, Plan
from papka.vault.coded import parity_shares
from tests.prove.test_two_images import _runs

SECTORS = 32768                # data sectors modelled: 128 MiB
ZONE = SECTORS * 3 // 4        # the zone starts here: the last quarter of the data area
SLOTS = 16
DECOY_SLOT, HIDDEN_SLOT = 3, 11


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
    singles: int = SINGLES
    damage: float = 0.2            # the damage rate shares are coded for (v3)
    anchor_rotation: bool = False
    writes: list[int] = field(default_factory=lambda: [0] * SECTORS)
    slots: list[int] = field(default_factory=lambda: [0] * (2 * SLOTS))
    decoy: set[int] = field(default_factory=set)
    decoy_catalog: list[int] = field(default_factory=list)
    decoy_pending: list[int] = field(default_factory=list)
    hidden: dict[int, tuple[int, int]] = field(default_factory=dict)   # sector -> (doc, share)
    documents: dict[int, Document] = field(default_factory=dict)
    hidden_pending: list[int] = field(default_factory=list)
    hidden_session = 0
    hidden_set: int | None = None
    decoy_set: int | None = None
    cover_exceeded = False

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
            self.decoy_set = choose_set(self.rng.randbytes, self.decoy_set)
            for s in self.decoy_anchors[self.decoy_set]:
                self._write(s)

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
        plan = Plan(ZONE, SECTORS, self.decoy.__contains__, self.rng.randbytes)
        plan.grow(self.floor + round(self.per_write * decoy_sectors))
        plan.draw_singles(self.singles)
        if hidden_docs is not None:
            self._hidden_v3(hidden_docs, plan, repair)
        for s in plan.untaken():
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

    def _hidden_v3(self, sizes: list[int], plan: Plan, repair: bool) -> None:
        anchors = {s for group in self.hidden_anchors for s in group}
        placed: list[tuple[int, int, int]] = []

        def take(count: int) -> list[int]:
            """Plan sectors for shares: never one of its own anchor places (a plan sector there
            is filled with random bytes like any other)."""
            chosen: list[int] = []
            while len(chosen) < count:
                chosen += [s for s in plan.take(count - len(chosen)) if s not in anchors]
            return chosen

        # Shares lost since (repair), then the new papers, coded, and the catalog.
        for doc, document in self.documents.items():
            missing = document.data + document.parity - len(document.shares) if repair else 0
            if document.readable and missing:
                placed += [(doc, -1, s) for s in take(missing)]
        for size in sizes:
            doc = len(self.documents)
            self.documents[doc] = Document(size, parity_shares(size, self.damage))
            count = size + self.documents[doc].parity
            placed += [(doc, index, s) for index, s in enumerate(take(count))]
        catalog = 2 + parity_shares(2, self.damage)
        placed += [(-1, index, s) for index, s in enumerate(take(catalog))]
        # Its own shares in sectors the plan will write (filled, or taken by a share) are
        # written again elsewhere in the plan (which may grow for them, and hold more of them:
        # until none is left there).
        while True:
            filled = set(plan.untaken()) | {s for _, _, s in placed}
            moving = [(doc, s) for doc, document in self.documents.items() if document.readable
                      for s in document.shares if s in filled]
            if not moving:
                break
            for (doc, s), new in zip(moving, take(len(moving)), strict=True):
                self.documents[doc].shares.discard(s)
                self.hidden.pop(s, None)
                placed.append((doc, -1, new))
        # The set drawn among those not holding the newest anchor (papka.vault.anchors), or,
        # as an earlier draft of the design had it, set s mod ANCHOR_SETS in session s.
        self.hidden_set = (self.hidden_session % ANCHOR_SETS if self.anchor_rotation
                           else choose_set(self.rng.randbytes, self.hidden_set))
        for s in self.hidden_anchors[self.hidden_set]:
            if s not in self.decoy:
                plan.replace_single(s)
                self._write(s)
        self.hidden_session += 1
        self.cover_exceeded = plan.grown > 0
        for doc, index, s in placed:
            self._write(s)
            if doc >= 0:
                self.hidden[s] = (doc, index)
                self.documents[doc].shares.add(s)

    # -- what the examiner sees -------------------------------------------------------------
    def snapshot(self) -> tuple[list[int], list[int], set[int]]:
        return list(self.writes), list(self.slots), set(self.decoy)


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
