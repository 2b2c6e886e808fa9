"""Export profiles: what goes out to one kind of recipient, and in what form.

The built-in profiles are fixed; a keeper's own live inside the compartment's encrypted catalog,
under the root's ``profiles`` key (docs/FORMAT.md §6).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from papka.exchange.errors import ExportError

if TYPE_CHECKING:
    from papka.vault.compartment import Compartment

#: Where a compartment keeps the profiles its keeper defined (inside its encrypted root).
PROFILES_KEY = "profiles"   # a section of papka.vault.container.SECTIONS
#: Metadata fields a profile may let travel (the vault's own names).
METADATA_FIELDS = ("date", "issuer", "number", "country", "language", "tags")
#: How a profile that redacts makes its copies: "burn" redraws every page as a picture;
#: "keep-text" takes what is under the boxes out of the text of PDFs made on a computer (and
#: DOCX, e-mail, text) and keeps the rest of it, burning the pages it cannot keep safely
#: (papka.formats.redact_as_planned(keep_text=True), docs/redaction.md §3a).
REDACTION_METHODS = ("burn", "keep-text")

_PROFILE_NAME = re.compile(r"[a-z][a-z0-9-]{0,31}")


@dataclass(frozen=True)
class Profile:
    """What goes out to one kind of recipient, and in what form."""

    name: str
    #: None: originals go out whole. Otherwise the papka.formats preset every document is
    #: redacted with (and then sanitised) before it goes out.
    preset: str | None = None
    #: The keeper's own strings to hide, on top of what the preset finds (kept inside the
    #: compartment with the profile, never shown).
    hide: tuple[str, ...] = field(default=(), repr=False)
    #: Which metadata fields travel in the manifest (names from METADATA_FIELDS).
    metadata: tuple[str, ...] = ()
    #: "keep": the keeper's titles; "redact": titles with what the preset finds withheld;
    #: "kind": only the document's kind.
    titles: str = "keep"
    #: Whether each document's vault id and its derivation travel as provenance.
    provenance: bool = True
    #: Documents of these kinds only (empty: any kind).
    kinds: tuple[str, ...] = ()
    #: Recognise text in scans and photos (Tesseract) when redacting.
    ocr: bool = True
    #: How redacted copies are made (one of REDACTION_METHODS). Profiles stored before this
    #: field existed read as "burn".
    redaction_method: str = "burn"

    @property
    def redacts(self) -> bool:
        return self.preset is not None

    @property
    def keeps_text(self) -> bool:
        return self.redacts and self.redaction_method == "keep-text"

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "preset": self.preset, "hide": list(self.hide),
                "metadata": list(self.metadata), "titles": self.titles,
                "provenance": self.provenance, "kinds": list(self.kinds), "ocr": self.ocr,
                "redaction_method": self.redaction_method}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Profile:
        try:
            profile = cls(
                name=str(data["name"]),
                preset=None if data.get("preset") is None else str(data["preset"]),
                hide=tuple(str(h) for h in data.get("hide", ())),
                metadata=tuple(str(m) for m in data.get("metadata", ())),
                titles=str(data.get("titles", "keep")),
                provenance=bool(data.get("provenance", True)),
                kinds=tuple(str(k) for k in data.get("kinds", ())),
                ocr=bool(data.get("ocr", True)),
                redaction_method=str(data.get("redaction_method", "burn")),
            )
        except (KeyError, TypeError, ValueError):
            raise ExportError("A stored export profile is malformed.") from None
        profile.check()
        return profile

    def check(self) -> None:
        from papka.formats.detect import PRESETS

        if not _PROFILE_NAME.fullmatch(self.name):
            raise ExportError("A profile name is a short lowercase word, such as embassy-fr.")
        if self.preset is not None and self.preset not in PRESETS:
            raise ExportError("Unknown redaction preset.")
        if any(m not in METADATA_FIELDS for m in self.metadata):
            raise ExportError("A profile names a metadata field papka does not know.")
        if self.titles not in ("keep", "redact", "kind"):
            raise ExportError("A profile's titles are kept, redacted or replaced by the kind.")
        if self.titles == "keep" and self.redacts:
            raise ExportError("A profile that redacts documents must also redact titles.")
        if self.redaction_method not in REDACTION_METHODS:
            raise ExportError("A profile's redacted copies are burned or keep their text.")
        if self.redaction_method == "keep-text" and not self.redacts:
            raise ExportError("Only a profile that redacts documents can keep their text.",
                              hint="Give the profile a redaction preset, such as ru-personal.")


#: The profiles every compartment has. Lawyers get the originals, byte for byte (evidence whose
#: hash matches the vault's record; not sanitised, so a photo's GPS position goes too, which
#: the export reports); embassies see redacted copies with the story's dates and places; the
#: public sees redacted copies with almost no metadata.
BUILTIN_PROFILES: Mapping[str, Profile] = {
    "lawyer": Profile("lawyer", metadata=METADATA_FIELDS, titles="keep"),
    "embassy": Profile("embassy", preset="ru-personal",
                       metadata=("date", "issuer", "country", "language"), titles="redact"),
    "public": Profile("public", preset="ru-personal", metadata=("date",), titles="kind",
                      provenance=False),
}


def profiles(compartment: Compartment) -> dict[str, Profile]:
    """The built-in profiles and the keeper's own, by name (the keeper's may not shadow a
    built-in one)."""
    found = dict(BUILTIN_PROFILES)
    for data in compartment.section(PROFILES_KEY).values():
        profile = Profile.from_json(data)
        found.setdefault(profile.name, profile)
    return found


def find_profile(compartment: Compartment, name: str) -> Profile:
    try:
        return profiles(compartment)[name]
    except KeyError:
        raise ExportError("There is no export profile with this name.",
                          hint="Built in: lawyer, embassy, public.") from None


def save_profile(compartment: Compartment, new: Profile) -> None:
    """Store a keeper-defined profile in the compartment (one commit)."""
    new.check()
    if new.name in BUILTIN_PROFILES:
        raise ExportError("The built-in profiles cannot be changed; give yours another name.")
    stored = compartment.section(PROFILES_KEY)
    stored[new.name] = new.to_json()
    compartment.set_section(PROFILES_KEY, stored)
    compartment.commit()


def remove_profile(compartment: Compartment, name: str) -> None:
    stored = compartment.section(PROFILES_KEY)
    if stored.pop(name, None) is None:
        raise ExportError("There is no export profile with this name.")
    compartment.set_section(PROFILES_KEY, stored)
    compartment.commit()
