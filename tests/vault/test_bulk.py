"""Pausing the cycle collector while a catalog loads leaves the program's own setting alone."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from papka.vault.bulk import bulk_objects


@pytest.fixture
def collector_restored() -> Iterator[None]:
    was = gc.isenabled()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


@pytest.mark.usefixtures("collector_restored")
def test_the_collector_is_paused_inside_and_running_again_after() -> None:
    gc.enable()
    with bulk_objects():
        assert not gc.isenabled()
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_restored")
def test_an_error_inside_still_restores_the_collector() -> None:
    gc.enable()
    with pytest.raises(KeyError), bulk_objects():
        raise KeyError("damaged")
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_restored")
def test_a_program_that_turned_the_collector_off_keeps_it_off() -> None:
    gc.disable()
    with bulk_objects():
        pass
    assert not gc.isenabled()
