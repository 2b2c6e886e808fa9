"""Document formats and real redaction.

Works on bytes: planning redactions (:mod:`.plan`,
:mod:`.burn`), burning them into fresh pixels (:mod:`.burn`), stripping metadata
(:mod:`.sanitize`) and checking the result independently (:mod:`.verify`). What each step does
and does not handle is written down in docs/redaction.md.

The main entry points are also reachable here (``papka.formats.redact``); they are imported on
first use, so importing this package stays cheap. ``burn``, ``verify`` and ``sanitize`` are
module names too: call them as ``papka.formats.burn.burn``, ``papka.formats.verify.verify`` and
``papka.formats.sanitize.sanitize``.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "sniff_media_type": "papka.media",
    "Box": "papka.formats.plan",
    "PagePlan": "papka.formats.plan",
    "RedactionPlan": "papka.formats.plan",
    "RedactionLog": "papka.formats.plan",
    "plan_redaction": "papka.formats.burn",
    "render_preview": "papka.formats.burn",
    "redact": "papka.formats.burn",
    "Redacted": "papka.formats.burn",
    "RedactionNotVerified": "papka.formats.burn",
    "Verification": "papka.formats.verify",
    "Sanitized": "papka.formats.sanitize",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'papka.formats' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
