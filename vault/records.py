"""What the catalog records of a document: the keeper's metadata (DocumentMeta), checked and
normalised in one place, and the record papka keeps (Document), with its JSON form
(docs/FORMAT.md §6)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from pathlib import Path
from typing import Any

from papka.vault.errors import InvalidInput
from papka.vault.objects import Pointer
from papka.vault.packs import Packed

_MAX_TEXT = 20_000
# Cyrillic too, for the keeper's own kinds (справка-о-ранении); older catalogs hold only Latin.
KIND = re.compile(r"[a-zа-яё][a-zа-яё0-9-]{0,39}")
#: How many kinds of his own a keeper may add to a compartment.
MAX_OWN_KINDS = 200

#: The kinds of papers people in papka's care carry. The library accepts any lowercase-hyphenated
#: kind; the command accepts these and the ones added with :meth:`DocumentStore.add_kind`.
KINDS: tuple[str, ...] = (
    "criminal-case", "court-decision", "summons", "military-id", "internal-passport",
    "foreign-passport", "military-contract", "order", "medical", "service-record",
    "asylum-application", "asylum-correspondence", "identity-other", "cv", "diploma",
    "contract", "photo", "video", "audio", "note", "other",
)


@dataclass(frozen=True, kw_only=True, slots=True)
class DocumentMeta:
    """What the keeper says about a paper: everything of a document except its bytes and what
    papka records itself (id, media type, size, hash, when it was added). add(), receive() and
    update() take it (or its fields by name); a Document is one, with those records added."""

    kind: str = "other"
    #: None when adding: the file name's stem (or the kind) stands in.
    title: str | None = None
    filename: str | None = None
    date: dt.date | None = None
    issuer: str | None = None
    number: str | None = None
    country: str | None = None
    language: str | None = None
    tags: tuple[str, ...] = ()
    notes: str | None = None
    #: The id of the document this one was made from (a redacted or sanitised copy).
    derived_from: str | None = None
    #: How it was made (plain JSON data: the action, the redaction log, the bundle...).
    derivation: Mapping[str, Any] | None = None

    def with_changes(self, changes: Mapping[str, Any]) -> DocumentMeta:
        """These metadata with some fields replaced, given by name, checked and normalised
        (dates from YYYY-MM-DD, tags stripped and each once); InvalidInput for a bad value or
        a field that does not exist."""
        unknown = set(changes) - META_FIELDS
        if unknown:
            raise InvalidInput(f"Unknown field: {sorted(unknown)[0]}.")
        current = {name: getattr(self, name) for name in META_FIELDS}
        current.update(changes)
        return DocumentMeta(**clean_fields(current))


#: The names of DocumentMeta's fields.
META_FIELDS = frozenset(f.name for f in dataclass_fields(DocumentMeta))
#: The fields that are free text (checked for length and NUL characters).
_TEXT_FIELDS = ("title", "filename", "issuer", "number", "country", "language", "notes")


@dataclass(frozen=True, kw_only=True, slots=True)
class Document(DocumentMeta):
    """A document's record. Its bytes are read with DocumentStore.open()."""

    id: str
    title: str
    media_type: str
    size: int
    sha256: str
    added: dt.datetime
    #: The salted commitments to its pages, as stored (vault/commitments.py; read them with
    #: DocumentStore.commitments). They hold salts, so they stay out of to_json and repr.
    commitments: str | None = field(default=None, repr=False)

    @property
    def meta(self) -> DocumentMeta:
        """Only what the keeper says about it."""
        return DocumentMeta(**{name: getattr(self, name) for name in META_FIELDS})

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "kind": self.kind, "title": self.title, "filename": self.filename,
            "media_type": self.media_type, "size": self.size, "sha256": self.sha256,
            "date": self.date.isoformat() if self.date else None, "issuer": self.issuer,
            "number": self.number, "country": self.country, "language": self.language,
            "tags": list(self.tags), "notes": self.notes,
            "added": self.added.isoformat(), "derived_from": self.derived_from,
            "derivation": dict(self.derivation) if self.derivation is not None else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Document:
        get = data.get            # catalog records leave out empty fields (docs/FORMAT.md §6)
        # Authenticated, but whoever holds the passphrase could have crafted it: check types.
        # Written out without generators: this runs for every document on the first listing
        # after unlock.
        filename, issuer, number, country = (get("filename"), get("issuer"), get("number"),
                                             get("country"))
        language, notes, derived_from, date = (get("language"), get("notes"),
                                               get("derived_from"), get("date"))
        derivation, commitments = get("derivation"), get("commitments")
        tags = get("tags", ())
        if not (type(data["id"]) is str and type(data["kind"]) is str
                and type(data["title"]) is str and type(data["media_type"]) is str
                and type(data["sha256"]) is str and type(data["added"]) is str
                and type(data["size"]) is int
                and (filename is None or type(filename) is str)
                and (issuer is None or type(issuer) is str)
                and (number is None or type(number) is str)
                and (country is None or type(country) is str)
                and (language is None or type(language) is str)
                and (notes is None or type(notes) is str)
                and (derived_from is None or type(derived_from) is str)
                and (date is None or type(date) is str)
                and (derivation is None or type(derivation) is dict)
                and (commitments is None or type(commitments) is str)):
            raise ValueError("a catalog record has fields of the wrong type")
        if type(tags) is list:
            for tag in tags:
                if type(tag) is not str:
                    raise ValueError("a catalog record has fields of the wrong type")
            tags = tuple(tags)
        elif tags != ():
            raise ValueError("a catalog record has fields of the wrong type")
        # Filled directly rather than through the frozen dataclass's __init__ (four times
        # slower, and this runs for every document on the first listing after unlock); the
        # fields are exactly the dataclass's, and it has no __post_init__.
        doc = object.__new__(cls)
        (set_id, set_kind, set_title, set_filename, set_media_type, set_size, set_sha256,
         set_date, set_issuer, set_number, set_country, set_language, set_tags, set_notes,
         set_added, set_derived_from, set_derivation, set_commitments) = _SETTERS
        set_id(doc, data["id"])
        set_kind(doc, data["kind"])
        set_title(doc, data["title"])
        set_filename(doc, filename)
        set_media_type(doc, data["media_type"])
        set_size(doc, data["size"])
        set_sha256(doc, data["sha256"])
        set_date(doc, dt.date.fromisoformat(date) if date else None)
        set_issuer(doc, issuer)
        set_number(doc, number)
        set_country(doc, country)
        set_language(doc, language)
        set_tags(doc, tags)
        set_notes(doc, notes)
        set_added(doc, dt.datetime.fromisoformat(data["added"]))
        set_derived_from(doc, derived_from)
        set_derivation(doc, derivation)
        set_commitments(doc, commitments)
        return doc

    @property
    def when(self) -> dt.date:
        """The paper's own date, or the day it was added when it has none."""
        return self.date or self.added.date()


#: Each field's slot setter, in from_json's order: a frozen dataclass refuses setattr, its slots'
#: own descriptors do not (a Document's fields live in slots: no dictionary per document,
#: which at 100,000 documents was 100,000 more objects for the cycle collector to walk).
_SETTERS = tuple(
    getattr(Document, name).__set__
    for name in ("id", "kind", "title", "filename", "media_type", "size", "sha256", "date",
                 "issuer", "number", "country", "language", "tags", "notes", "added",
                 "derived_from", "derivation", "commitments"))


def record(doc: Document, content: Pointer | Packed) -> dict[str, Any]:
    """A catalog record: the document's fields without the empty ones, and its content pointer.
    Leaving out nulls keeps the catalog small, which is what unlocking spends its time on."""
    record = {k: v for k, v in doc.to_json().items() if v is not None and v != []}
    if doc.commitments is not None:
        record["commitments"] = doc.commitments
    record["content"] = content.to_text()
    return record


def clean_fields(fields: dict[str, Any]) -> dict[str, Any]:
    kind = fields["kind"]
    if not isinstance(kind, str) or not KIND.fullmatch(kind):
        raise InvalidInput("A kind is a short lowercase word with hyphens, such as criminal-case.")
    out: dict[str, Any] = {"kind": kind}
    for name in _TEXT_FIELDS:
        value = fields.get(name)
        if value is not None:
            if not isinstance(value, str):
                raise InvalidInput(f"The {name} must be text.")
            value = value.strip()
            if len(value) > _MAX_TEXT or "\x00" in value:
                raise InvalidInput(f"The {name} is too long or holds a NUL character.")
            value = value or None
        out[name] = value
    date = fields.get("date")
    if isinstance(date, str):
        try:
            date = dt.date.fromisoformat(date)
        except ValueError:
            raise InvalidInput("A date is written YYYY-MM-DD.") from None
    if date is not None and not isinstance(date, dt.date):
        raise InvalidInput("A date is written YYYY-MM-DD.")
    out["date"] = date
    tags: list[str] = []
    for tag in fields.get("tags") or ():
        tag = str(tag).strip()
        if tag and tag not in tags:
            if len(tag) > 100:
                raise InvalidInput("A tag can be at most 100 characters long.")
            tags.append(tag)
    out["tags"] = tuple(tags)
    out["derived_from"] = fields.get("derived_from")
    derivation = fields.get("derivation")
    if derivation is not None:
        try:
            derivation = json.loads(json.dumps(dict(derivation)))
        except (TypeError, ValueError):
            raise InvalidInput("A derivation record must be plain JSON data.") from None
    out["derivation"] = derivation
    return out


def default_title(filename: str | None, kind: str) -> str:
    if filename:
        return Path(filename).stem or filename
    return kind
