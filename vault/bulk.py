"""Building many small objects at once: a compartment's catalog at unlock, and its listing."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["bulk_objects", "release_kept_objects"]


@contextmanager
def bulk_objects(*, kept: bool = False) -> Iterator[None]:
    """Pause Python's cycle collector while the catalog's records are parsed and built.

    Parsing makes millions of objects (strings, dicts, lists), none of them in a cycle; each
    batch of new objects sets off a collection that walks every object alive, so at 100,000
    documents the collector took as long as the parse. Paused here, restored as it was (an
    embedding program that turned it off keeps it off), and it runs as usual afterwards.

    `kept`: what the block built stays for the session (the catalog). It is then moved past the
    collector (`gc.freeze`), so that the first collections after the pause do not walk it: at
    100,000 documents they took 0.1 to 0.5 s of an unlock. Objects there are still freed as
    soon as nothing refers to them; only a cycle among them waits for
    `release_kept_objects`, which closing a container calls, and opening one too (so a session
    dropped without closing holds its cycles only until the next one opens).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if kept:
                gc.freeze()
            gc.enable()


def release_kept_objects(*, collect: bool = False) -> None:
    """Hand what `bulk_objects(kept=True)` moved past the collector back to it: at close, and
    with `collect` when a container opens while something is still held (a session dropped
    without close(), or one still open), so that its cycles are freed now rather than at some
    later full collection, which many held objects put off."""
    if gc.get_freeze_count():
        gc.unfreeze()
        if collect and gc.isenabled():
            gc.collect()
