"""Names people read for what a redaction hides (papka.formats.detect's categories) and for the
tag papka puts on redacted copies."""

from __future__ import annotations

from collections.abc import Mapping

from .i18n import N_, _
from .output import shown

#: Every category of papka.formats.detect.CATEGORIES (a test keeps the two in step).
CATEGORY_NAMES: dict[str, str] = {
    "keeper-name": N_("your name"),
    "custom": N_("your words"),
    "passport-ru-internal": N_("passport number"),
    "passport-ru-foreign": N_("international passport number"),
    "military-id": N_("military ID number"),
    "snils": N_("SNILS"),
    "inn": N_("INN"),
    "military-unit": N_("military unit"),
    "case-number": N_("case number"),
    "email": N_("e-mail"),
    "social": N_("social network page or handle"),
    "phone": N_("phone"),
    "gps": N_("GPS position"),
    "birth-date": N_("birth date"),
    "address": N_("address"),
    "person": N_("person's name"),
    "relative": N_("relative's name"),
    "place": N_("place"),
    "date": N_("date"),
    # Boxes the keeper drew himself (redact --box).
    "manual": N_("drawn by hand"),
}

#: The tag papka gives a redacted copy; stored as is, shown in the keeper's language.
REDACTED_TAG = "redacted"
TAG_NAMES: dict[str, str] = {REDACTED_TAG: N_("redacted")}


def category_label(category: str) -> str:
    name = CATEGORY_NAMES.get(category)
    return _(name) if name is not None else category


def tag_label(tag: str) -> str:
    name = TAG_NAMES.get(tag)
    return _(name) if name is not None else tag


def tag_from_label(typed: str) -> str:
    """The stored tag for a tag typed in either language («отредактирован» → redacted)."""
    from .i18n import LANGUAGES, translate_into

    folded = typed.strip().casefold()
    for tag, name in TAG_NAMES.items():
        if folded in {translate_into(language, name).casefold() for language in LANGUAGES}:
            return tag
    return typed


def redaction_text(redaction: Mapping[str, int] | None) -> str:
    """What a document's redaction withheld, for tables: categories and counts."""
    if redaction is None:
        # Not "whole": next to "withheld" it read as "blacked out entirely".
        return _("nothing: original, unchanged")
    if not redaction:
        return _("nothing found")
    return ", ".join(f"{shown(category_label(category))} {count}"
                     for category, count in sorted(redaction.items()))
