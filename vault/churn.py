"""A session's plan: the sectors of the zone that a format 3 session rewrites whatever is open
(docs/FORMAT.md §10, "The plan (churn)").

Runs of 1 … RUN_LONGEST sectors, each starting at a sector drawn uniformly from the zone's
sectors that the decoy (level 0) does not use and nothing drew before, end at the first sector
that is not so or when the plan holds what it should; SINGLES single sectors are drawn the same
way. Compartments above level 0 write their shares into the plan, spread over its runs, and
their anchors in place of singles; what nothing took is filled with keystream bytes when the
session ends. Nothing in the draw depends on what hidden compartments hold, so the sectors a
session changes are drawn the same way whether or not one was open.

Checked on its own, in the container (tests/vault/test_format3.py), and driving the model of
tests/prove/disk_model.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from papka.vault import _crypto

#: Runs are 1 … RUN_LONGEST sectors. Shares of one stripe that share a run are lost together
#: when a later run covers them: with runs of up to 16 sectors, decoy-only sessions writing
#: half the free space left 98.99 % of hidden papers readable on the container, with up to 4,
#: 99.94 % (docs/FORMAT.md §10.2).
RUN_LONGEST = 4
SINGLES = 4
#: Sectors of plan for each sector the decoy writes in the session (c in §10.4).
COVER_PER_SECTOR = 0.1


def below(random: _crypto.RandomSource, n: int) -> int:
    """A uniform integer in 0 … n − 1 from the random source (rejection sampling on 64 bits)."""
    if n <= 0:
        raise ValueError("nothing to draw from")
    limit = (1 << 64) - (1 << 64) % n
    while True:
        value = int.from_bytes(random(8), "big")
        if value < limit:
            return value % n


@dataclass
class Plan:
    """The sectors a session rewrites in the zone [start, end): runs and singles, and which of
    them compartments took for their own writes."""

    start: int
    end: int
    #: True for a sector the decoy uses (the plan never draws one).
    decoy_uses: Callable[[int], bool]
    random: _crypto.RandomSource
    runs: list[list[int]] = field(default_factory=list)
    singles: list[int] = field(default_factory=list)
    taken: set[int] = field(default_factory=set)
    drawn: set[int] = field(default_factory=set)
    #: Sectors the plan grew by because compartments' writes did not fit it: a session with
    #: any is visible to two images (§10, "cover_exceeded").
    grown: int = 0

    @property
    def size(self) -> int:
        return sum(len(run) for run in self.runs)

    def _eligible(self, sector: int) -> bool:
        return (self.start <= sector < self.end and sector not in self.drawn
                and not self.decoy_uses(sector))

    def _first(self) -> int:
        tries = 0
        while True:
            sector = self.start + below(self.random, self.end - self.start)
            if self._eligible(sector):
                return sector
            tries += 1
            if tries > 64 * (self.end - self.start):
                raise ValueError("the zone has no sector left to draw")

    def draw_run(self, longest: int = RUN_LONGEST) -> list[int]:
        """One run: its first sector uniform among those the plan may draw, its length uniform
        in 1 … `longest`, shorter where it meets a sector the plan may not draw."""
        first = self._first()
        length = 1 + below(self.random, longest)
        run = [first]
        while len(run) < length and self._eligible(run[-1] + 1):
            run.append(run[-1] + 1)
        self.drawn.update(run)
        self.runs.append(run)
        return run

    def grow(self, sectors: int) -> list[list[int]]:
        """Draw runs holding `sectors` more sectors (the last one cut to fit); returns the new
        runs."""
        new: list[list[int]] = []
        while sectors > 0:
            first = self._first()
            length = min(1 + below(self.random, RUN_LONGEST), sectors)
            run = [first]
            while len(run) < length and self._eligible(run[-1] + 1):
                run.append(run[-1] + 1)
            self.drawn.update(run)
            new.append(run)
            sectors -= len(run)
        self.runs.extend(new)
        return new

    def draw_singles(self, count: int = SINGLES) -> list[int]:
        chosen = []
        for _ in range(count):
            sector = self._first()
            self.drawn.add(sector)
            chosen.append(sector)
        self.singles.extend(chosen)
        return chosen

    def spread(self, runs: list[list[int]] | None = None) -> Iterator[int]:
        """The untaken sectors of the runs, the first of each run, then the second …: shares
        written in this order land in different runs, so one churn run of a later session,
        which overwrites consecutive sectors, takes at most a few shares of a stripe."""
        chosen = self.runs if runs is None else runs
        for depth in range(RUN_LONGEST):
            for run in chosen:
                if depth < len(run) and run[depth] not in self.taken:
                    yield run[depth]

    def take(self, count: int) -> list[int]:
        """`count` untaken run sectors, spread over the runs; the plan grows when it holds too
        few (the session then exceeds its cover: `grown` counts the sectors added so)."""
        chosen = list(islice(self.spread(), count))
        while len(chosen) < count:
            added = self.grow(max(count - len(chosen), RUN_LONGEST))
            self.grown += sum(len(run) for run in added)
            chosen += islice(self.spread(added), count - len(chosen))
        self.taken.update(chosen)
        return chosen

    def replace_single(self, sector: int) -> None:
        """An anchor written at `sector` in place of one single: the single is dropped, so the
        plan's count stays what it was drawn to be (an anchor that lies in a run of the plan
        takes that sector and drops nothing)."""
        if sector in self.drawn:
            self.taken.add(sector)
            return
        for single in self.singles:
            if single not in self.taken:
                self.singles.remove(single)
                self.drawn.discard(single)
                break
        self.singles.append(sector)
        self.drawn.add(sector)
        self.taken.add(sector)

    def untaken(self) -> list[int]:
        """The sectors to fill with keystream bytes when the session ends."""
        return sorted(s for s in [*(s for run in self.runs for s in run), *self.singles]
                      if s not in self.taken)


def cover(decoy_sectors: int) -> int:
    """The plan's run sectors for a session in which the decoy wrote `decoy_sectors`."""
    return round(COVER_PER_SECTOR * decoy_sectors)
