"""Pausing the cycle collector while a catalog loads leaves the program's own setting alone, and
what a session keeps goes back to the collector when the container closes."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from papka.vault import Container
from papka.vault.bulk import bulk_objects, release_kept_objects


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


class _Node:
    """An object that can sit in a reference cycle."""

    def __init__(self) -> None:
        self.other: _Node | None = None


@pytest.mark.usefixtures("collector_restored")
def test_what_a_kept_block_built_waits_past_the_collector_until_it_is_released() -> None:
    import weakref

    gc.enable()
    gc.unfreeze()
    with bulk_objects(kept=True):
        first, second = _Node(), _Node()
        first.other, second.other = second, first          # a cycle only the collector frees
        gone = weakref.ref(first)
    assert gc.get_freeze_count() > 0
    del first, second
    gc.collect()
    assert gone() is not None            # moved past the collector: not walked, not freed
    release_kept_objects()
    assert gc.get_freeze_count() == 0
    gc.collect()
    assert gone() is None


@pytest.mark.usefixtures("collector_restored")
def test_a_block_not_kept_leaves_nothing_past_the_collector() -> None:
    gc.enable()
    gc.unfreeze()
    with bulk_objects():
        rows = [[str(n)] for n in range(1000)]
    assert rows and gc.get_freeze_count() == 0


@pytest.mark.usefixtures("collector_restored")
def test_closing_a_container_hands_its_catalog_back_to_the_collector(tmp_path: Path) -> None:
    gc.enable()
    gc.unfreeze()
    path = tmp_path / "c.papka"
    Container.create(path, 16 * 1024 * 1024, "a passphrase to open it")
    with Container.open(path, ["a passphrase to open it"]) as box:
        box.newest.documents.list()
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0


@pytest.mark.usefixtures("collector_restored")
def test_a_session_dropped_without_closing_is_freed_when_the_next_one_opens(
        tmp_path: Path) -> None:
    import weakref

    gc.enable()
    gc.unfreeze()
    first, second = tmp_path / "first.papka", tmp_path / "second.papka"
    for path in (first, second):
        Container.create(path, 16 * 1024 * 1024, "a passphrase to open it")
    box = Container.open(first, ["a passphrase to open it"])
    box.newest.documents.list()
    gone = weakref.ref(box)
    del box
    gc.collect()
    assert gone() is not None            # its compartments refer back to it: a cycle, held
    with Container.open(second, ["a passphrase to open it"]):
        assert gone() is None
