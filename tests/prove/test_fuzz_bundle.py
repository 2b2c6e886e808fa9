"""Fuzzing the bundle reader (threat model A3, A5): mutated real bundles, encrypted to an X25519
recipient and plain, end in a verified bundle or a PapkaError within the worker's caps."""

from __future__ import annotations

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings

from tests.prove.fuzzing import Worker, acceptable

pytestmark = pytest.mark.timeout(300)
FUZZ = settings(deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
                max_examples=600)

patches = st.lists(st.tuples(st.integers(0, 40_000) | st.integers(0, 1024),
                             st.binary(min_size=1, max_size=32)), max_size=6)


@FUZZ
@given(kind=st.sampled_from(["plain", "x25519"]), changes=patches,
       cut=st.none() | st.integers(0, 40_000),
       insert=st.none() | st.tuples(st.integers(0, 40_000), st.binary(min_size=1, max_size=600)))
def test_mutated_bundles_verify_or_fail_cleanly(worker: Worker, kind: str,
                                                changes: list[tuple[int, bytes]],
                                                cut: int | None,
                                                insert: tuple[int, bytes] | None) -> None:
    answer = worker.run("bundle", {"kind": kind, "patches": changes, "cut": cut,
                                   "insert": insert})
    assert acceptable(answer), answer


@settings(FUZZ, max_examples=300)
@given(kind=st.sampled_from(["plain", "x25519"]), changes=patches,
       cut=st.none() | st.integers(0, 40_000), force=st.booleans())
def test_opening_a_mutated_bundle_writes_nothing_outside_its_folder(
        worker: Worker, kind: str, changes: list[tuple[int, bytes]], cut: int | None,
        force: bool) -> None:
    """Without force, nothing stays behind unless the bundle verifies; with or without it,
    nothing is written outside the folder (checked inside the worker)."""
    answer = worker.run("bundle_open", {"kind": kind, "patches": changes, "cut": cut,
                                        "force": force})
    assert acceptable(answer), answer


def test_an_untouched_bundle_verifies(worker: Worker) -> None:
    """The harness itself works: without mutation both bundles pass verification."""
    for kind in ("plain", "x25519"):
        assert worker.run("bundle", {"kind": kind, "patches": []})["outcome"] == "ok"
        opened = worker.run("bundle_open", {"kind": kind, "patches": [], "force": False})
        assert opened["outcome"] == "ok", opened
