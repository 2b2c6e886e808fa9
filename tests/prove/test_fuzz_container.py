"""Fuzzing the container opening (threat model A5, A6): arbitrary bytes, arbitrary passphrases,
mutated real containers, and records that authenticate but carry crafted fields. Every input ends
in success or a PapkaError, within the worker's time (20 s) and memory (3 GiB address space) cap.
"""

from __future__ import annotations

from typing import Any

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings

from tests.prove.fuzzing import Worker, acceptable
from tests.prove.worker import CONTAINER_SIZE, HIDDEN, PASSPHRASE

pytestmark = pytest.mark.timeout(300)
FUZZ = settings(deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
MiB = 1024 * 1024
REGION = 64 * 1024

passphrases = st.lists(st.text(min_size=0, max_size=40) | st.sampled_from([PASSPHRASE, HIDDEN]),
                       min_size=0, max_size=3)
# Damage aimed where parsing happens (the two header regions) as well as anywhere.
offsets = st.one_of(st.integers(0, REGION - 1),
                    st.integers(CONTAINER_SIZE - REGION, CONTAINER_SIZE - 1),
                    st.integers(0, CONTAINER_SIZE - 1))
patches = st.lists(st.tuples(offsets, st.binary(min_size=1, max_size=64)), max_size=8)


def check(worker: Worker, target: str, arg: dict[str, Any]) -> None:
    answer = worker.run(target, arg)
    assert acceptable(answer), (target, answer)


@settings(FUZZ, max_examples=300)
@given(raw=st.binary(max_size=70_000), words=passphrases)
def test_short_arbitrary_bytes_with_arbitrary_passphrases(worker: Worker, raw: bytes,
                                                          words: list[str]) -> None:
    check(worker, "container_bytes", {"raw": raw, "passphrases": words})


@settings(FUZZ, max_examples=80)
@given(seed=st.integers(0, 2**32), size=st.sampled_from([16 * MiB, 16 * MiB + 123, 17 * MiB]),
       changes=patches, words=passphrases)
def test_full_size_arbitrary_images(worker: Worker, seed: int, size: int,
                                    changes: list[tuple[int, bytes]], words: list[str]) -> None:
    check(worker, "container_bytes", {"seed": seed, "size": size, "patches": changes,
                                      "passphrases": words})


@settings(FUZZ, max_examples=300)
@given(changes=patches, cut=st.none() | st.integers(0, CONTAINER_SIZE),
       words=st.sampled_from([[PASSPHRASE], [HIDDEN], [HIDDEN, PASSPHRASE], ["не та фраза"]]))
def test_mutated_real_containers(worker: Worker, changes: list[tuple[int, bytes]],
                                 cut: int | None, words: list[str]) -> None:
    check(worker, "container_mutated", {"patches": changes, "cut": cut, "passphrases": words})


def slot_fields(sizes: st.SearchStrategy[int]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({
        "generation": st.integers(0, 2**64 - 1), "size": sizes, "level": st.integers(0, 255),
        "key": st.binary(min_size=32, max_size=32), "slot": st.integers(0, 15),
        "regions": st.sampled_from([[0], [1], [0, 1]]),
        "carried": st.none() | st.binary(min_size=32, max_size=32),
        "root": st.binary(max_size=200) | st.builds(
            lambda kind, body: bytes([kind]) + body, st.integers(0, 2),
            st.binary(min_size=44, max_size=44 + 12 * 4)),
    })


@settings(FUZZ, max_examples=400)
@given(fields=slot_fields(st.integers(16 * MiB, 2 * CONTAINER_SIZE)))
def test_slots_that_authenticate_but_carry_crafted_fields(worker: Worker,
                                                          fields: dict[str, Any]) -> None:
    """Only someone who knows the passphrase can make such a slot; papka must still refuse it
    cleanly rather than crash. (Recorded sizes below 16 MiB or far above the file are a known
    bug, tested on their own below.)"""
    check(worker, "container_crafted_slot", fields)


@pytest.mark.parametrize("size", [0, 4096, 2**50, 2**63])
def test_a_crafted_slot_with_an_absurd_recorded_size_is_refused_cleanly(worker: Worker,
                                                                        size: int) -> None:
    check(worker, "container_crafted_slot", {
        "generation": 5, "size": size, "level": 0, "key": bytes(32), "slot": 0,
        "regions": [0], "root": b"\x00"})


@settings(FUZZ, max_examples=60)
@given(root=st.one_of(st.binary(max_size=100), st.sampled_from([
    b"[]", b"{}", b'{"pages": 5}', b'{"pages": [[1, 2]]}', b'{"older": "x"}', b"null"])))
def test_a_crafted_catalog_root_is_refused_cleanly(worker: Worker, root: bytes) -> None:
    check(worker, "container_crafted_catalog", {"root": root})


_pack_ids = st.sampled_from(["real", "0000000a", "zz", "", "00000001"])
_numbers = st.integers(-2, 5000) | st.sampled_from([2**31, 2**63, 2**64])
_runs = st.lists(st.lists(st.integers(-2, 5000) | st.sampled_from([10**12]), max_size=3),
                 max_size=4)
_packs = st.dictionaries(st.sampled_from(["0000000a", "00000001", "zz"]), st.fixed_dictionaries({
    "s": st.sampled_from(["00" * 32, "xx", ""]), "n": _numbers, "r": _runs | st.just("x")}),
    max_size=2)


@settings(FUZZ, max_examples=80)
@given(members=st.lists(st.tuples(_pack_ids, _numbers, _numbers), min_size=1, max_size=3),
       packs=_packs, keep_real=st.booleans())
def test_crafted_packs_and_pack_members_end_cleanly(worker: Worker, members: list[Any],
                                                    packs: dict[str, Any],
                                                    keep_real: bool) -> None:
    """docs/FORMAT.md §4 "Packs": members at any offset and length, in packs that exist or not,
    and pack pointers of any shape; reading, checking and removing each end cleanly."""
    check(worker, "container_crafted_packs",
          {"members": [list(m) for m in members], "packs": packs, "keep_real": keep_real})
