"""One error tree: every error papka raises on purpose belongs to exactly one category, and its
exit code is that category's (1 the request, 2 damaged data, 3 the environment)."""

from __future__ import annotations

import papka.cli
import papka.exchange
import papka.formats
import papka.vault
from papka.errors import DamagedError, EnvironmentProblem, PapkaError, UsageError
from tests.error_classes import every_error_class

CATEGORIES: dict[type[PapkaError], int] = {UsageError: 1, DamagedError: 2, EnvironmentProblem: 3}
#: Families group one format's errors across categories; they are never raised themselves.
FAMILIES = {"BundleError", "HostileInputError"}
#: The demo's stop repeats the exit code of the command that failed.
PASS_THROUGH = {"DemoStepFailed"}


def _every_error_class() -> set[type[PapkaError]]:
    found = every_error_class(papka.vault, papka.formats, papka.exchange, papka.cli)
    return {c for c in found - {PapkaError, *CATEGORIES}
            if c.__name__ not in FAMILIES | PASS_THROUGH}


def test_every_error_has_one_category_and_its_exit_code() -> None:
    classes = _every_error_class()
    assert len(classes) > 40
    wrong: list[str] = []
    for cls in sorted(classes, key=lambda c: f"{c.__module__}.{c.__qualname__}"):
        categories = [c for c in CATEGORIES if issubclass(cls, c)]
        name = f"{cls.__module__}.{cls.__qualname__}"
        if len(categories) != 1:
            wrong.append(f"{name}: categories {[c.__name__ for c in categories]}")
        elif cls.exit_code != CATEGORIES[categories[0]]:
            wrong.append(f"{name}: exit code {cls.exit_code}, its category says "
                         f"{CATEGORIES[categories[0]]}")
    assert wrong == []


def test_damaged_input_is_damaged_data_whatever_the_format() -> None:
    damaged = [c for c in _every_error_class() if c.__name__.startswith("Damaged")
               or c.__name__.endswith("DamagedError")]
    assert len(damaged) >= 6
    assert {c.__name__: c.exit_code for c in damaged} == {c.__name__: 2 for c in damaged}


def test_families_are_never_raised_themselves() -> None:
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    calls = [f"{path.relative_to(root)}:{node.lineno}"
             for folder in ("vault", "formats", "exchange", "cli", "src")
             for path in (root / folder).rglob("*.py")
             for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, ast.Call)
             and (getattr(node.func, "id", None) or getattr(node.func, "attr", None)) in FAMILIES]
    assert calls == []
