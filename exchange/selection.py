"""Which documents of a compartment go out: ids, kinds, tags and dates, as the keeper types them."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from papka.exchange.errors import ExportError

if TYPE_CHECKING:
    from papka.vault import Document, DocumentStore

_SELECTOR = re.compile(r"(id|kind|tag|since|until):(.+)")


@dataclass(frozen=True)
class Selection:
    """Which documents go out. Ids are added one by one; kinds, tags and dates filter together:
    a document is selected if its id was named, or if it matches every filter that was given
    (any of the kinds, any of the tags, dated within since..until)."""

    ids: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    since: dt.date | None = None
    until: dt.date | None = None
    everything: bool = False

    @classmethod
    def parse(cls, selectors: Sequence[str]) -> Selection:
        """Read selectors as typed: ``3f2a`` or ``id:3f2a``, ``kind:summons``, ``tag:court``,
        ``since:2024-01-01``, ``until:2024-12-31``, ``all``."""
        ids: list[str] = []
        kinds: list[str] = []
        tags: list[str] = []
        since: dt.date | None = None
        until: dt.date | None = None
        everything = False
        for raw in selectors:
            text = raw.strip()
            if text == "all":
                everything = True
                continue
            match = _SELECTOR.fullmatch(text)
            if match is None:
                if not re.fullmatch(r"[0-9a-fA-F]{4,}", text):
                    raise ExportError(
                        "A selector is an id, kind:KIND, tag:TAG, since:DATE, until:DATE or all.")
                ids.append(text.lower())
                continue
            what, value = match.group(1), match.group(2).strip()
            if what == "id":
                ids.append(value.lower())
            elif what == "kind":
                kinds.append(value)
            elif what == "tag":
                tags.append(value)
            else:
                try:
                    day = dt.date.fromisoformat(value)
                except ValueError:
                    raise ExportError("A date in a selector is written YYYY-MM-DD.") from None
                if what == "since":
                    since = day
                else:
                    until = day
        selection = cls(tuple(ids), tuple(kinds), tuple(tags), since, until, everything)
        if selection.is_empty():
            raise ExportError("Nothing was selected for export.")
        return selection

    def is_empty(self) -> bool:
        return not (self.ids or self.kinds or self.tags or self.since or self.until
                    or self.everything)

    def _filters(self) -> bool:
        return bool(self.kinds or self.tags or self.since or self.until or self.everything)

    def matches(self, document: Document) -> bool:
        if not self._filters():
            return False
        if self.kinds and document.kind not in self.kinds:
            return False
        if self.tags:
            folded = {t.casefold() for t in document.tags}
            if not any(tag.casefold() in folded for tag in self.tags):
                return False
        when = document.when
        if self.since is not None and when < self.since:
            return False
        return not (self.until is not None and when > self.until)

    def resolve(self, documents: DocumentStore) -> list[Document]:
        """The selected documents, oldest paper first, each once."""
        chosen: dict[str, Document] = {}
        for doc_id in self.ids:
            document = documents.get(doc_id)
            chosen[document.id] = document
        for document in documents.list():
            if self.matches(document):
                chosen[document.id] = document
        if not chosen:
            raise ExportError("No document matches the selection.")
        return sorted(chosen.values(), key=lambda d: (d.when, d.added, d.id))
