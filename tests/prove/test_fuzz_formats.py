"""Fuzzing the format handlers (threat model A5): media-type sniffing on arbitrary bytes, and
sanitize / plan_redaction / verify on mutated PDFs, JPEGs, PNGs, DOCX files and e-mails. Every
input ends in success or a PapkaError within the worker's time and memory caps."""

from __future__ import annotations

from typing import Any

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings

from tests.prove.fuzzing import Worker, acceptable

pytestmark = pytest.mark.timeout(300)
FUZZ = settings(deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)

SIZES = {"pdf": 30_000, "jpeg": 800, "png": 200, "docx": 36_000, "email": 3_000}

def mutation(kind: str) -> st.SearchStrategy[dict[str, Any]]:
    size = SIZES[kind]
    return st.fixed_dictionaries({
        "kind": st.just(kind),
        "step": st.sampled_from(["sanitize", "plan", "verify"]),
        "patches": st.lists(st.tuples(st.integers(0, size - 1) | st.integers(0, 511),
                                      st.binary(min_size=1, max_size=64)), max_size=8),
        "cut": st.none() | st.integers(0, size),
    })


@settings(FUZZ, max_examples=1000)
@given(raw=st.binary(max_size=9000))
def test_sniffing_arbitrary_bytes(worker: Worker, raw: bytes) -> None:
    answer = worker.run("sniff", {"raw": raw})
    assert answer["outcome"] == "ok", answer


@pytest.mark.parametrize("kind", sorted(SIZES))
@settings(FUZZ, max_examples=200)
@given(data=st.data())
def test_mutated_files_are_handled_or_refused_cleanly(worker: Worker, kind: str,
                                                      data: st.DataObject) -> None:
    arg = data.draw(mutation(kind))
    answer = worker.run("formats", arg)
    assert acceptable(answer), (arg["step"], answer)
