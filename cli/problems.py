"""Errors the command itself raises: their sentences are already in the keeper's language."""

from __future__ import annotations

from papka.errors import DamagedError, UsageError


class AlreadyTranslated:
    """Marks an error whose message and hint were translated where it was raised."""


class CommandUsageError(AlreadyTranslated, UsageError):
    """The command refuses the request (exit 1)."""


class CommandDamagedError(AlreadyTranslated, DamagedError):
    """The command found damaged data (exit 2)."""
