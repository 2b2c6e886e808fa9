"""Building many small objects at once: a compartment's catalog at unlock, and its listing."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["bulk_objects"]


@contextmanager
def bulk_objects() -> Iterator[None]:
    """Pause Python's cycle collector while the catalog's records are parsed and built.

    Parsing makes millions of objects (strings, dicts, lists), none of them in a cycle; each
    batch of new objects sets off a collection that walks every object alive, so at 100,000
    documents the collector took as long as the parse. Paused here, restored as it was (an
    embedding program that turned it off keeps it off), and it runs as usual afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
