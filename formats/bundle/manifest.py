"""The bundle manifest: what is in a bundle, in canonical JSON, and signed.

Canonical means sorted keys, UTF-8, no insignificant whitespace, no floats: one manifest has one
byte string, so the signature covers exactly what a reader parses. The reader refuses anything
that is not already in that form, and every field has a limit (hostile input, threat model A5).
The schema is written down in docs/FORMAT.md, "Bundles".
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from papka.formats.bundle.errors import LimitExceededError, ManifestError

FORMAT = "papka-bundle"
#: A manifest without commitment roots is version 1, as every papka has written it; one whose
#: entries carry roots (page commitments, docs/FORMAT.md) is version 2, so that a papka that
#: predates roots says it cannot read the version rather than that the manifest is malformed.
VERSION = 2
VERSIONS = (1, 2)

#: Limits every manifest must respect, when written and when read.
MAX_MANIFEST_BYTES = 8 * 1024 * 1024
MAX_FILES = 10_000
MAX_TITLE = 500
MAX_SENDER = 200
MAX_METADATA_FIELDS = 64
MAX_METADATA_VALUE = 2000
MAX_REDACTION_CATEGORIES = 64
MAX_REDACTION_COUNT = 1_000_000
MAX_PROVENANCE_STEPS = 256
MAX_PROVENANCE_FIELDS = 16
MAX_PROVENANCE_VALUE = 500
#: USTAR's size field holds eleven octal digits.
MAX_FILE_SIZE = 8**11 - 1

KIND = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")
EXTENSION = re.compile(r"[a-z0-9]{1,10}")
FIELD_NAME = re.compile(r"[a-z][a-z0-9_.-]{0,63}")
MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9.+-]{0,49}/[a-z0-9][a-z0-9.+-]{0,49}")
FILE_NAME = re.compile(r"files/[0-9]{2,5}-[a-z0-9][a-z0-9-]{0,31}\.[a-z0-9]{1,10}")
SHA256 = re.compile(r"[0-9a-f]{64}")
CREATED = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
SIGNER = re.compile(r"ssh-ed25519 [A-Za-z0-9+/]{68}")
#: C0 controls other than tab and newline, DEL, and the bidirectional overrides that can make a
#: printed title read differently from what it is.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class ManifestFile:
    """One document in a bundle, as the manifest describes it."""

    name: str  # neutral archive name, files/NN-kind.ext
    sha256: str
    size: int
    media_type: str
    kind: str
    title: str
    metadata: Mapping[str, str]
    redaction: Mapping[str, int] | None  # None: sent whole; otherwise counts by category
    provenance: tuple[Mapping[str, str], ...]
    #: The root of this document's page commitments (hex; it is in the sender's vault).
    commitment_root: str | None = None
    #: For a copy made from another document (a redacted one), the root of that original.
    original_root: str | None = None

    def to_json(self) -> dict[str, Any]:
        roots = {key: value for key, value in (("commitment_root", self.commitment_root),
                                               ("original_root", self.original_root))
                 if value is not None}
        return {
            **roots,
            "name": self.name,
            "sha256": self.sha256,
            "size": self.size,
            "media_type": self.media_type,
            "kind": self.kind,
            "title": self.title,
            "metadata": dict(self.metadata),
            "redaction": None if self.redaction is None else dict(self.redaction),
            "provenance": [dict(step) for step in self.provenance],
        }


@dataclass(frozen=True)
class Manifest:
    created: str  # UTC, e.g. 2026-11-22T00:50:00Z
    signer: str  # ssh-ed25519 public key line
    sender: str  # the label the keeper chose for himself; may be empty
    files: tuple[ManifestFile, ...]

    @property
    def version(self) -> int:
        return 2 if any(f.commitment_root is not None or f.original_root is not None
                        for f in self.files) else 1

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": self.version,
            "created": self.created,
            "signer": self.signer,
            "sender": self.sender,
            "files": [f.to_json() for f in self.files],
        }

    def to_bytes(self) -> bytes:
        check_manifest(self)
        return canonical_json(self.to_json())

    @classmethod
    def from_bytes(cls, data: bytes) -> Manifest:
        """Parse and check a manifest; refuses non-canonical, unknown or oversize content."""
        if len(data) > MAX_MANIFEST_BYTES:
            raise LimitExceededError("The bundle's manifest is over papka's size limit.")
        try:
            tree = json.loads(
                data.decode("utf-8"),
                object_pairs_hook=_no_duplicate_keys,
                parse_float=_no_floats,
                parse_constant=_no_floats,
            )
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise ManifestError() from exc
        if canonical_json(tree) != data:
            raise ManifestError("The bundle's manifest is not in canonical form.")
        manifest = _from_tree(tree)
        check_manifest(manifest)
        return manifest


def canonical_json(tree: Any) -> bytes:
    return json.dumps(tree, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode(
        "utf-8"
    )


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError("duplicate key")
        result[key] = value
    return result


def _no_floats(_text: str) -> Any:
    raise ValueError("numbers in a manifest are integers")


def _object(value: Any, keys: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict) or set(value) != keys:
        raise ManifestError("The bundle's manifest does not follow the format.")
    return value


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise ManifestError("The bundle's manifest does not follow the format.")
    return value


def _integer(value: Any) -> int:
    if type(value) is not int:  # bool is an int subclass and is refused
        raise ManifestError("The bundle's manifest does not follow the format.")
    return value


def _string_map(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ManifestError("The bundle's manifest does not follow the format.")
    return {_string(k): _string(v) for k, v in value.items()}


def _from_tree(tree: Any) -> Manifest:
    top = _object(tree, {"format", "version", "created", "signer", "sender", "files"})
    if top["format"] != FORMAT:
        raise ManifestError("This is not a papka bundle manifest.")
    version = _integer(top["version"])
    if version not in VERSIONS:
        raise ManifestError("The bundle uses a manifest version papka does not read.")
    files_value = top["files"]
    if not isinstance(files_value, list):
        raise ManifestError("The bundle's manifest does not follow the format.")
    if len(files_value) > MAX_FILES:
        raise LimitExceededError("The bundle lists more documents than papka's limit.")
    files = []
    for entry in files_value:
        keys = {"name", "sha256", "size", "media_type", "kind", "title", "metadata",
                "redaction", "provenance"}
        if version >= 2 and isinstance(entry, dict):
            keys |= _ROOTS & set(entry)
        f = _object(entry, keys)
        redaction_value = f["redaction"]
        redaction: dict[str, int] | None = None
        if redaction_value is not None:
            if not isinstance(redaction_value, dict):
                raise ManifestError("The bundle's manifest does not follow the format.")
            redaction = {_string(k): _integer(v) for k, v in redaction_value.items()}
        provenance_value = f["provenance"]
        if not isinstance(provenance_value, list):
            raise ManifestError("The bundle's manifest does not follow the format.")
        files.append(
            ManifestFile(
                name=_string(f["name"]),
                sha256=_string(f["sha256"]),
                size=_integer(f["size"]),
                media_type=_string(f["media_type"]),
                kind=_string(f["kind"]),
                title=_string(f["title"]),
                metadata=_string_map(f["metadata"]),
                redaction=redaction,
                provenance=tuple(_string_map(step) for step in provenance_value),
                commitment_root=_optional_string(f, "commitment_root"),
                original_root=_optional_string(f, "original_root"),
            )
        )
    manifest = Manifest(
        created=_string(top["created"]),
        signer=_string(top["signer"]),
        sender=_string(top["sender"]),
        files=tuple(files),
    )
    if manifest.version != version:  # version 2 has roots; version 1 has none
        raise ManifestError("The bundle's manifest does not follow the format.")
    return manifest


#: The optional keys of a file entry in a version 2 manifest.
_ROOTS = frozenset({"commitment_root", "original_root"})


def _optional_string(entry: Mapping[str, Any], key: str) -> str | None:
    """A key that may be absent; present, it must be a string (null is refused)."""
    return _string(entry[key]) if key in entry else None


def _text(value: str, limit: int, what: str) -> None:
    if len(value) > limit:
        raise LimitExceededError(f"A {what} is over papka's limit of {limit} characters.")
    if _UNPRINTABLE.search(value):
        raise ManifestError(f"A {what} contains control characters.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:  # lone surrogates cannot be written as UTF-8
        raise ManifestError(f"A {what} is not valid text.") from exc


def _fields(values: Mapping[str, str], limit_fields: int, limit_value: int, what: str) -> None:
    if len(values) > limit_fields:
        raise LimitExceededError(f"A document has more {what} fields than papka's limit.")
    for key, value in values.items():
        if not FIELD_NAME.fullmatch(key):
            raise ManifestError(f"A {what} field name is not a short lowercase word.")
        _text(value, limit_value, f"{what} value")


def check_file(f: ManifestFile) -> None:
    """Check one entry against the schema's limits (used on write and on read)."""
    if not FILE_NAME.fullmatch(f.name):
        raise ManifestError("A document's name in the bundle is not a neutral papka name.")
    if not SHA256.fullmatch(f.sha256):
        raise ManifestError("A document's hash in the manifest is malformed.")
    for root in (f.commitment_root, f.original_root):
        if root is not None and not (isinstance(root, str) and SHA256.fullmatch(root)):
            raise ManifestError("A commitment root in the manifest is malformed.")
    if f.size < 0:
        raise ManifestError("A document's size in the manifest is negative.")
    if f.size > MAX_FILE_SIZE:
        raise LimitExceededError("A document is over papka's size limit for bundles.")
    if not MEDIA_TYPE.fullmatch(f.media_type):
        raise ManifestError("A document's media type is malformed.")
    if not KIND.fullmatch(f.kind):
        raise ManifestError("A document's kind is not a short lowercase word.")
    _text(f.title, MAX_TITLE, "title")
    _fields(f.metadata, MAX_METADATA_FIELDS, MAX_METADATA_VALUE, "metadata")
    if f.redaction is not None:
        if len(f.redaction) > MAX_REDACTION_CATEGORIES:
            raise LimitExceededError("A document has more redaction categories than papka's limit.")
        for category, count in f.redaction.items():
            # Category names are words from a fixed vocabulary, never the redacted text itself.
            if not FIELD_NAME.fullmatch(category):
                raise ManifestError("A redaction category is not a short lowercase word.")
            if not 0 <= count <= MAX_REDACTION_COUNT:
                raise LimitExceededError("A redaction count is over papka's limit.")
    if len(f.provenance) > MAX_PROVENANCE_STEPS:
        raise LimitExceededError("A document's provenance has more steps than papka's limit.")
    for step in f.provenance:
        _fields(step, MAX_PROVENANCE_FIELDS, MAX_PROVENANCE_VALUE, "provenance")


def check_sender(sender: str) -> None:
    _text(sender, MAX_SENDER, "sender name")


def check_manifest(manifest: Manifest) -> None:
    if not CREATED.fullmatch(manifest.created):
        raise ManifestError("The manifest's creation time is malformed.")
    if not SIGNER.fullmatch(manifest.signer):
        raise ManifestError("The manifest's signer key is malformed.")
    check_sender(manifest.sender)
    if len(manifest.files) > MAX_FILES:
        raise LimitExceededError("The bundle lists more documents than papka's limit.")
    seen: set[str] = set()
    for f in manifest.files:
        check_file(f)
        if f.name in seen:
            raise ManifestError("The manifest lists one name twice.")
        seen.add(f.name)


def file_names(kinds: Sequence[str], extensions: Sequence[str]) -> list[str]:
    """Neutral archive names, files/01-kind.ext: the order and the kind, nothing a person typed."""
    width = max(2, len(str(len(kinds))))
    return [
        f"files/{number:0{width}d}-{kind}.{extension}"
        for number, (kind, extension) in enumerate(zip(kinds, extensions, strict=True), start=1)
    ]
