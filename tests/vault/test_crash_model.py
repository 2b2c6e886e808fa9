"""Crash safety against a model (threat model A6): whatever byte a crash cuts, the container
opens and every compartment equals its last committed state (or the one being committed, if the
crash came after that commit's header reached the disk)."""

from __future__ import annotations

import io
import random
from collections.abc import Callable

import hypothesis.strategies as st
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from papka.vault import Container
from papka.vault.storage import MemoryStorage
from tests.vault.faults import Crash, FaultyStorage

SIZE = 16 * 1024 * 1024
PASSPHRASES = ["decoy words here", "hidden words there"]

TITLES = st.text(alphabet="абвгдеёжAZaz09-", min_size=1, max_size=20)
State = dict[int, dict[str, tuple[str, bytes]]]   # level -> id -> (title, content)


def snapshot(box: Container) -> State:
    return {c.level: {d.id: (d.title, c.documents.read_bytes(d.id)) for d in c.documents.list()}
            for c in box.compartments}


class CrashMachine(RuleBasedStateMachine):
    @initialize()
    def create(self) -> None:
        self.rng = random.Random(1)
        memory = MemoryStorage(bytearray(SIZE))
        Container.create_on(memory, PASSPHRASES[0], random=self.rng.randbytes)
        self.storage = FaultyStorage(memory.data)
        self.box = Container.open_on(self.storage, PASSPHRASES[:1], random=self.rng.randbytes)
        self.box.add_compartment(PASSPHRASES[1])
        self.storage.flush()
        self.model: State = snapshot(self.box)
        self.crashes = 0

    def _crash_survivor(self) -> tuple[MemoryStorage, State]:
        """After a crash: one image the power loss could have left, and what it opens to."""
        self.crashes += 1
        survivor = self.storage.survivor(self.rng)
        reopened = Container.open_on(survivor, PASSPHRASES[1:], random=self.rng.randbytes)
        return survivor, snapshot(reopened)

    def _continue_from(self, survivor: MemoryStorage, state: State) -> None:
        """Go on working from the survivor, as the keeper would after the crash."""
        self.model = state
        self.storage = FaultyStorage(survivor.data)
        self.box = Container.open_on(self.storage, PASSPHRASES[1:], random=self.rng.randbytes)

    def _attempt(self, budget: int | None, action: object) -> None:
        """Run an action with a crash budget; on a crash, reopen the survivor and compare."""
        before = self.model
        self.storage.budget = budget
        try:
            action()  # type: ignore[operator]
        except Crash:
            survivor, state = self._crash_survivor()
            assert state in (before, self._expected_after), "a crash left an uncommitted state"
            self._continue_from(survivor, state)
            return
        finally:
            self.storage.budget = None
        self.model = snapshot(self.box)
        assert self.model == self._expected_after

    def _adding(self, level: int, budget: int | None, action: Callable[[], None]
                ) -> tuple[State, dict[str, tuple[str, bytes]]] | None:
        """Run an action that adds to one compartment, the storage cut after budget bytes.

        Without a crash the model follows the container and None is returned. After a crash the
        other compartments and this one's earlier documents are as they were; the survivor's
        state and the documents it holds beyond them are returned (the caller says which may
        be there), and the run goes on from the survivor."""
        before = {lv: dict(docs) for lv, docs in self.model.items()}
        self.storage.budget = budget
        try:
            action()
        except Crash:
            survivor, state = self._crash_survivor()
            unchanged = {lv: docs for lv, docs in state.items() if lv != level} == \
                {lv: docs for lv, docs in before.items() if lv != level}
            assert unchanged, "a crash changed a compartment that was not being written"
            assert {k: v for k, v in state[level].items() if k in before[level]} == before[level]
            self._continue_from(survivor, state)
            return state, {k: v for k, v in state[level].items() if k not in before[level]}
        finally:
            self.storage.budget = None
        self.model = snapshot(self.box)
        return None

    @rule(level=st.integers(0, 1), size=st.integers(0, 3072) | st.integers(0, 300_000),
          budget=st.none() | st.integers(0, 400_000), title=TITLES)
    def add(self, level: int, size: int, budget: int | None, title: str) -> None:
        content = self.rng.randbytes(size)
        compartment = self.box.compartments[level]

        def action() -> None:
            compartment.documents.add(io.BytesIO(content), title=title)

        # The id is random, so the expected state is checked by content rather than by id.
        before = len(self.model[level])
        crashed = self._adding(level, budget, action)
        if crashed is not None:
            state, added = crashed
            assert added == {} or list(added.values()) == [(title, content)]
            assert len(state[level]) in (before, before + 1)

    @rule(level=st.integers(0, 1), sizes=st.lists(st.integers(0, 3072), min_size=2, max_size=40),
          budget=st.none() | st.integers(0, 150_000))
    def add_small_papers(self, level: int, sizes: list[int], budget: int | None) -> None:
        """Many small papers in one commit, packed together (docs/FORMAT.md §4): after a crash
        all of them are there or none."""
        contents = [self.rng.randbytes(size) for size in sizes]
        compartment = self.box.compartments[level]

        def action() -> None:
            with compartment.documents.batch():
                for number, content in enumerate(contents):
                    compartment.documents.add(io.BytesIO(content), title=f"paper {number}")

        crashed = self._adding(level, budget, action)
        if crashed is not None:
            added = sorted(crashed[1].values())
            assert added in ([], sorted((f"paper {n}", c) for n, c in enumerate(contents)))

    @precondition(lambda self: any(self.model.values()))
    @rule(data=st.data(), budget=st.none() | st.integers(0, 200_000))
    def remove(self, data: st.DataObject, budget: int | None) -> None:
        choices = [(lv, doc_id) for lv, docs in self.model.items() for doc_id in docs]
        level, doc_id = data.draw(st.sampled_from(sorted(choices)))
        after = {lv: dict(docs) for lv, docs in self.model.items()}
        del after[level][doc_id]
        self._expected_after = after
        compartment = self.box.compartments[level]
        self._attempt(budget, lambda: compartment.documents.remove(doc_id))

    @precondition(lambda self: any(self.model.values()))
    @rule(data=st.data(), title=TITLES,
          budget=st.none() | st.integers(0, 100_000))
    def retitle(self, data: st.DataObject, title: str, budget: int | None) -> None:
        choices = [(lv, doc_id) for lv, docs in self.model.items() for doc_id in docs]
        level, doc_id = data.draw(st.sampled_from(sorted(choices)))
        after = {lv: dict(docs) for lv, docs in self.model.items()}
        after[level][doc_id] = (title, after[level][doc_id][1])
        self._expected_after = after
        compartment = self.box.compartments[level]
        self._attempt(budget, lambda: compartment.documents.update(doc_id, title=title))

    @rule()
    def reopen_cleanly(self) -> None:
        image = self.storage.clean_image()
        self.storage = FaultyStorage(image.data)
        self.box = Container.open_on(self.storage, PASSPHRASES[1:], random=self.rng.randbytes)
        assert snapshot(self.box) == self.model

    @invariant()
    def decoy_alone_still_opens(self) -> None:
        if hasattr(self, "storage"):
            image = MemoryStorage(bytearray(self.storage.read(0, self.storage.size)))
            decoy = Container.open_on(image, PASSPHRASES[:1])
            assert snapshot(decoy)[0] == self.model[0]


TestCrashModel = CrashMachine.TestCase
TestCrashModel.settings = settings(max_examples=40, stateful_step_count=12, deadline=None,
                                   suppress_health_check=[HealthCheck.too_slow])
