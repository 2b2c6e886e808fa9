"""The fuzzing worker, one per test module (tests/prove/fuzzing.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.prove.fuzzing import Worker


@pytest.fixture(scope="module")
def worker() -> Iterator[Worker]:
    started = Worker()
    yield started
    started.close()
