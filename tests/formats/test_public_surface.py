"""papka.formats as a library sees it: a small set of real, typed names that loads no document
library until a function needs one, and a plan that only one function applies."""

from __future__ import annotations

import inspect
import subprocess
import sys
import typing
from pathlib import Path

import pytest

import papka.formats
from papka import media
from papka.formats import RedactionPlan, plan_redaction, redact, redact_as_planned
from papka.formats.limits import UnsupportedFormatError

ROOT = Path(__file__).resolve().parents[2]
#: What `import papka.formats` must not load: each costs tens to hundreds of milliseconds.
HEAVY = ("PIL", "pikepdf", "pypdfium2", "natasha", "pymorphy3", "reportlab", "lxml", "pdfminer")


def test_every_public_name_is_a_real_object() -> None:
    assert len(papka.formats.__all__) >= 15
    for name in papka.formats.__all__:
        value = getattr(papka.formats, name)
        assert value is not None, name
    assert not hasattr(papka.formats, "__getattr__")  # no lazy lookups that mypy sees as Any


def test_every_public_function_is_fully_annotated() -> None:
    functions = [getattr(papka.formats, name) for name in papka.formats.__all__
                 if inspect.isfunction(getattr(papka.formats, name))]
    assert {f.__name__ for f in functions} >= {"plan_redaction", "redact", "redact_as_planned",
                                               "render_preview", "sniff_media_type"}
    for function in functions:
        hints = typing.get_type_hints(function)
        parameters = inspect.signature(function).parameters
        assert set(parameters) | {"return"} == set(hints), function.__name__
        assert typing.Any not in hints.values(), function.__name__


def test_importing_the_package_loads_no_document_library() -> None:
    code = ("import sys, papka.formats\n"
            f"print(' '.join(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))))")
    loaded = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                            text=True).stdout.split()
    assert loaded == []


TYPED_USE = '''
from typing import assert_type

import papka.formats as formats

plan = formats.plan_redaction(b"", "application/pdf", hide=["x"])
assert_type(plan, formats.RedactionPlan)
assert_type(plan.readings, list[formats.PageReading])
result = formats.redact_as_planned(b"", "application/pdf", plan, unreadable="box")
assert_type(result, formats.Redacted)
assert_type(result.log, formats.RedactionLog)
assert_type(formats.redact(b"", "image/png", preset=None), formats.Redacted)
assert_type(formats.render_preview(b"", "application/pdf", plan), list[bytes])
assert_type(formats.sniff_media_type(b""), str)
try:
    pass
except formats.RedactionNotVerified as error:
    assert_type(error.leftovers, list[formats.Leftover])
'''


@pytest.mark.slow
def test_mypy_strict_sees_the_real_types(tmp_path: Path) -> None:
    from mypy import api

    use = tmp_path / "use_papka_formats.py"
    use.write_text(TYPED_USE, encoding="utf-8")
    # The project's own configuration (strict) is used. A contradiction mypy must catch: a
    # plan given to redact, which makes its own.
    wrong = tmp_path / "wrong_use.py"
    wrong.write_text("import papka.formats as f\n"
                     "f.redact(b'', 'image/png', plan=f.RedactionPlan('image/png', []))\n",
                     encoding="utf-8")
    common = ["--no-error-summary", "--cache-dir", str(ROOT / ".mypy_cache"),
              "--config-file", str(ROOT / "pyproject.toml")]
    out, err, status = api.run([*common, str(use)])
    assert (status, out, err) == (0, "", "")
    out, _, status = api.run([*common, str(wrong)])
    assert status == 1 and 'Unexpected keyword argument "plan"' in out


def test_a_plan_is_made_by_one_function_and_applied_by_another() -> None:
    # Options that decide what is found belong to planning only; a reviewed plan is applied as
    # it stands, so none of them can be given and silently ignored.
    planning = {"preset", "hide", "boxes", "use_ner"}
    assert "plan" not in inspect.signature(redact).parameters
    assert planning <= set(inspect.signature(plan_redaction).parameters)
    assert planning & set(inspect.signature(redact_as_planned).parameters) == set()
    plan = RedactionPlan(media.PNG, [])
    with pytest.raises(TypeError):
        redact(b"", media.PNG, plan=plan)  # type: ignore[call-arg]


def test_a_plan_for_another_kind_of_file_is_refused() -> None:
    with pytest.raises(UnsupportedFormatError, match="different kind of file"):
        redact_as_planned(b"%PDF-1.7", media.PDF, RedactionPlan(media.PNG, []))
