"""The session's cover in a format 3 container: its plan, what the open compartments write in it,
and how it is filled when the session ends (docs/FORMAT.md §10, "The plan (churn)").

Every writing session draws its plan the same way whatever passphrases opened it: runs in the
zone's sectors that the decoy (level 0) does not use, as many sectors as COVER_PER_SECTOR times
the sectors the decoy wrote, and SINGLES single sectors. Compartments above level 0 take plan
sectors for their shares and write their anchors in place of singles. A plan sector that holds
a share or an anchor of an open compartment is encrypted again where it lies, so it changes like
every plan sector and what it holds stays; every other sector of the plan that nothing took is
filled with keystream bytes. Plan sectors are marked in use while the session runs, so the decoy
never allocates one that a share may already hold.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from papka.vault import anchors
from papka.vault.churn import Plan, cover
from papka.vault.errors import ContainerFull
from papka.vault.header import SECTOR
from papka.vault.objects import FREE, USED, Extent

#: The fewest runs a stripe's shares are spread over (when it has that many shares).
SPREAD = 4

if TYPE_CHECKING:
    from papka.vault.container import Container


class SessionCover:
    """One writing session's plan in a format 3 container."""

    def __init__(self, container: Container, decoy: Iterable[int]) -> None:
        """`decoy`: the sectors of the zone the decoy uses as the session opens."""
        self._container = container
        self.start, self.end = anchors.zone(container.geometry)
        self.decoy = {s for s in decoy if self.start <= s < self.end}
        self.decoy_written = 0
        self._plan: Plan | None = None
        #: Plan sectors that were free when drawn (marked in use until the session ends).
        self._free: set[int] = set()
        #: Per run, the sectors shares may still take (None: to be worked out again).
        self._queues: list[list[int]] | None = None
        #: After finish(): the session wrote more than the decoy's writes cover.
        self.exceeded = False
        #: After finish(): sectors the plan held, and those of them compartments wrote.
        self.planned = 0
        self.used = 0

    # -- what the decoy writes -------------------------------------------------------------------
    def decoy_allocated(self, extent: Extent) -> None:
        """The decoy took `extent`: its sectors count towards the plan's size, and the plan
        never draws those in the zone."""
        start, count = extent
        self.decoy_written += count
        self.decoy.update(s for s in range(max(start, self.start), min(start + count, self.end)))

    # -- the plan --------------------------------------------------------------------------------
    @property
    def plan(self) -> Plan:
        if self._plan is None:
            container = self._container
            self._plan = Plan(self.start, self.end, self.decoy.__contains__, container.random)
            self._absorb(self._plan.draw_singles())
        return self._plan

    def _absorb(self, sectors: Iterable[int]) -> None:
        space = self._container.space.map
        free = [s for s in sectors if s < len(space) and space[s] == FREE]
        self._free.update(free)
        self._container.space.mark([(s, 1) for s in free], USED)

    def take(self, count: int) -> list[int]:
        """`count` plan sectors for the shares of one stripe, spread over the plan's runs: the
        plan grows by whole runs until it holds `count` free sectors in at least SPREAD runs
        (or `count` runs), and the stripe takes one sector from each run in turn, so that no
        later run of churn, which overwrites consecutive sectors, takes more than a few of its
        shares (§10, "The plan"; the model lost whole papers until shares were spread)."""
        plan = self.plan
        if self._queues is None:
            self._queues = [q for q in (self._usable(run) for run in plan.runs) if q]
        queues = self._queues
        free = sum(map(len, queues))
        while free < count or len(queues) < min(count, SPREAD):
            try:
                runs = [plan.draw_run()]
            except ValueError:               # every sector of the zone is drawn already
                if free >= count:
                    break
                runs = self._freed_since_drawn()
                if not runs:
                    raise ContainerFull() from None
            for run in runs:
                self._absorb(run)
                if usable := self._usable(run):
                    queues.append(usable)
                    free += len(usable)
        chosen: list[int] = []
        given = [0] * len(queues)
        depth = 0
        while len(chosen) < count:
            for number, queue in enumerate(queues):
                if len(chosen) < count and depth < len(queue):
                    chosen.append(queue[depth])
                    given[number] += 1
            depth += 1
        plan.taken.update(chosen)
        # Each run gave its first free sectors: they leave its queue.
        self._queues = [q[n:] for q, n in zip(queues, given, strict=True) if q[n:]]
        return chosen

    def _freed_since_drawn(self) -> list[list[int]]:
        """Zone sectors free again after the plan drew them: a long session's commits freed
        the catalog objects that earlier commits of the session wrote, and once the plan has
        drawn the whole zone, those are the room left. Each is a run of its own, for spreading.
        A session that gets here wrote far beyond any cover (its plan is the zone)."""
        space = self._container.space.map
        freed = [s for s in range(self.start, min(self.end, len(space)))
                 if space[s] == FREE and s not in self.decoy]
        self.plan.taken.difference_update(freed)     # the shares that held them are gone
        return [[s] for s in freed]

    def _usable(self, run: list[int]) -> list[int]:
        """The sectors of a run that shares may still take, in order."""
        taken = self.plan.taken
        return [s for s in run if s in self._free and s not in taken]

    def withdraw(self, sectors: Iterable[int]) -> None:
        """`sectors` became a compartment's (a new compartment's anchor places): the plan may
        still fill them, but gives none of them to shares."""
        self._free.difference_update(sectors)
        self._queues = None

    def anchor_written(self, sectors: Iterable[int]) -> None:
        """A compartment above level 0 wrote anchors at `sectors`: each replaces a single."""
        plan = self.plan
        for sector in sectors:
            plan.replace_single(sector)

    # -- the end of the session ---------------------------------------------------------------
    def top_up(self) -> None:
        """Grow the plan to the decoy's cover: runs are drawn alike whenever they are drawn and
        the last one is cut to the target, so a plan that compartments' shares made grow holds
        the same kind of runs as one drawn at the end, unless they made it larger."""
        plan = self.plan
        target = cover(self.decoy_written)
        for run in plan.grow(target - plan.size):
            self._absorb(run)
        self._queues = None

    def available(self) -> int:
        """Plan sectors free for shares that nothing took yet: what compartments can still
        write without making the plan larger than the cover."""
        return sum(len(self._usable(run)) for run in self.plan.runs)

    def finish(self) -> None:
        """Fill the plan: the open compartments encrypt again what they hold in it, and the
        rest gets keystream bytes. Call top_up() first."""
        container = self._container
        plan = self.plan
        self.exceeded = plan.size > cover(self.decoy_written)
        rest = set(plan.untaken())
        held = rest - self._free
        resealed: set[int] = set()
        if held:
            for compartment in container.compartments:
                if compartment.level > 0:
                    resealed |= compartment.reseal(held - resealed)
        for sector in sorted(rest - resealed):
            container.storage.write(sector * SECTOR, container.padding(SECTOR))
        container.storage.flush()
        self.planned = plan.size + len(plan.singles)
        self.used = len(plan.taken)
        released = [(s, 1) for s in self._free if s not in plan.taken]
        container.space.mark(released, FREE)
