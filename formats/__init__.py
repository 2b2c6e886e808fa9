"""Document formats and real redaction.

Works on bytes: sniffing media types (:mod:`.media`), planning redactions (:mod:`.planner`),
the keeper's review (:mod:`.plan`, :mod:`.preview`), burning them into fresh pixels
(:mod:`.burn`), checking the result independently (:mod:`.verify`) and stripping metadata
(:mod:`.sanitize`). What each step does and does not handle is written down in
docs/redaction.md.

The names below are papka's library surface for documents. Importing this package loads no
PDF, image or language library: the functions load what they need on first use.
``verify`` and ``sanitize`` are module names: call them as ``papka.formats.verify.verify``
and ``papka.formats.sanitize.sanitize``.
"""

from __future__ import annotations

from papka.formats.plan import Box, PagePlan, RedactionLog, RedactionPlan, UnreadableChoice
from papka.formats.reading import PageReading
from papka.formats.redaction import (
    BoxSpec,
    Leftover,
    Redacted,
    RedactionNotVerified,
    UnreadablePages,
    plan_redaction,
    redact,
    redact_as_planned,
    render_preview,
)
from papka.formats.verify import Leak, Verification
from papka.media import sniff_media_type

__all__ = [
    "Box",
    "BoxSpec",
    "Leak",
    "Leftover",
    "PagePlan",
    "PageReading",
    "Redacted",
    "RedactionLog",
    "RedactionNotVerified",
    "RedactionPlan",
    "UnreadableChoice",
    "UnreadablePages",
    "Verification",
    "plan_redaction",
    "redact",
    "redact_as_planned",
    "render_preview",
    "sniff_media_type",
]
