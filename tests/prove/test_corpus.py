"""Every committed corpus input, replayed: the interesting inputs fuzzing found, kept as
regression cases (tests/prove/corpus, grown by tests/prove/grow_corpus.py). Each must end in
success or a PapkaError within the worker's time and memory caps. Among them are the inputs that
once crashed papka (a damaged DOCX deflate stream, a broken PNG, PDFs with malformed
dictionaries, undecodable strings or unloadable pages, crafted slots with absurd sizes and
crafted catalog roots): each was fixed, and its case stays here so that it stays fixed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.prove.fuzzing import Worker, acceptable, corpus_cases, load_case

pytestmark = pytest.mark.timeout(300)


@pytest.mark.parametrize("path", corpus_cases(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_corpus_input_ends_in_success_or_a_papka_error(worker: Worker, path: Path) -> None:
    target, arg = load_case(path)
    answer = worker.run(target, arg)
    assert acceptable(answer), answer
