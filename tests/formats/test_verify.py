"""The verifier looks for each secret in every normalisation and encoding."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from papka import media
from papka.formats.verify import Needles, fold, verify, verify_text
from tests.formats import planted


@pytest.mark.parametrize(
    "haystack",
    [
        "мать: ИВАНОВА МАРИЯ ПЕТРОВНА",
        "Иванова\nМария   Петровна",
        "иванова мария петровна",
        "Ｉванова Мария Петровна".replace("Ｉ", "И"),
    ],
)
def test_text_forms_are_found(haystack: str) -> None:
    assert not verify_text(haystack, [planted.NAME]).ok


def test_yo_and_ye_are_the_same_letter() -> None:
    assert not verify_text("Фёдоров Пётр", ["Федоров Петр"]).ok
    assert not verify_text("Федоров Петр", ["Фёдоров Пётр"]).ok


def test_numbers_are_found_by_their_digits() -> None:
    assert not verify_text("тел. 8 (912) 345 67 89", ["912 345-67-89"]).ok
    assert not verify_text("+79123456789", [planted.PHONE]).ok
    # ...but a number inside a longer one is not a false alarm.
    assert verify_text("+7 912 345-67-89", ["в/ч 12345"]).ok


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16-be", "utf-16-le", "cp1251", "koi8-r"])
def test_byte_encodings_are_found(encoding: str) -> None:
    raw = b"junk" + planted.NAME.upper().encode(encoding) + b"junk"
    assert not verify(raw, media.TEXT, [planted.NAME], ocr=False).ok
    assert Needles([planted.NAME]).in_bytes([raw])


def test_hex_and_pdf_escapes_are_found() -> None:
    needles = Needles([planted.NAME])
    encoded = planted.NAME.encode("utf-16-be")
    assert needles.in_bytes([b"<" + encoded.hex().upper().encode() + b">"])
    escaped = "".join(f"\\{b:03o}" for b in planted.NAME.encode("cp1251")).encode()
    assert needles.in_bytes([b"(" + escaped + b")"])
    mixed = planted.NAME_LATIN.replace(" ", "\\040").replace("a", "\\141").encode()
    assert Needles([planted.NAME_LATIN]).in_bytes([b"(" + mixed + b")"])
    assert not needles.in_bytes([b"nothing here at all"])


SHORT_NAMES = ["Анна", "Ян", "Ира"]
#: Ordinary words holding those names inside them.
ORDINARY = "Данная справка выдана 15 января 2024 года, квартира не указана"


def test_a_short_name_is_a_word_not_letters_inside_other_words() -> None:
    """A relative called Анна must not keep every "Данная справка" from passing."""
    assert verify_text(ORDINARY, SHORT_NAMES).ok
    assert Needles(SHORT_NAMES).locate(ORDINARY.split()) == []
    for found in ("Мать: Анна.", "мать АННА петровна", "А н н а", "отец — Ян,", "Ира"):
        assert not verify_text(found, SHORT_NAMES).ok, found
    # With a case ending of up to three letters, as names are declined ("Ивана", "Иваном").
    assert not verify_text("у Ивана", ["Иван"]).ok
    assert not verify_text("с Иваном", ["Иван"]).ok
    assert Needles(["Анна"]).locate(["Данная", "мать:", "Анна"]) == [(0, 2, 2)]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16-be", "utf-16-le", "cp1251", "koi8-r"])
def test_a_short_names_bytes_are_found_as_a_word_only(encoding: str) -> None:
    needles = Needles(SHORT_NAMES)
    inside = ORDINARY.encode(encoding)
    named = "Мать: Анна, отец: Ян".encode(encoding)
    for form in (lambda raw: raw, lambda raw: raw.hex().encode(),
                 lambda raw: raw.hex().upper().encode()):
        assert not needles.in_bytes([b"<" + form(inside) + b">"]), encoding
        assert needles.in_bytes([b"<" + form(named) + b">"]), encoding
    if encoding == "cp1251":
        escaped = "".join(f"\\{b:03o}" for b in "Данная".encode(encoding)).encode()
        assert not needles.in_bytes([b"(" + escaped + b")"])
        escaped = "".join(f"\\{b:03o}" for b in "Анна".encode(encoding)).encode()
        assert needles.in_bytes([b"(" + escaped + b")"])


@given(st.text(alphabet="абвгдеёжзийклмнопрстуфхцчшщъыьэюяABCxyz ", min_size=3, max_size=30))
def test_any_casing_of_a_secret_is_found(secret: str) -> None:
    if len(fold(secret)) < 2:
        return
    assert not verify_text(f"до {secret.upper()} после", [secret]).ok
    assert not verify_text(f"до {secret.swapcase()} после", [secret]).ok


def test_failures_name_channels_never_values() -> None:
    outcome = verify(planted.pdf_channels()["docinfo"], media.PDF, [planted.NAME], ocr=False)
    assert outcome.failures
    assert all(planted.NAME not in failure for failure in outcome.failures)


# --- independence from the code it checks ---------------------------------------------------

VERIFIER = Path(__file__).resolve().parents[2] / "formats" / "verify"
#: What the verifier may import from papka: the file readers and Tesseract it shares with
#: planning (docs/redaction.md, section 5), never the planner, the plan or the burner.
SHARED = {"papka", "papka.errors", "papka.formats", "papka.formats.limits", "papka.media",
          "papka.formats.ocr", "papka.formats.image", "papka.formats.views",
          "papka.formats.pdf", "papka.formats.docx", "papka.formats.email",
          "papka.formats.rank_filters"}


def _papka_imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            found.add(node.module)
            if node.module in ("papka", "papka.formats"):  # from papka import media
                found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in found if name.split(".")[0] == "papka"}


def test_the_verifier_imports_only_the_readers_it_shares_with_planning() -> None:
    modules = sorted(VERIFIER.glob("*.py"))
    assert len(modules) >= 5
    strays = {f"{path.name}: {name}" for path in modules for name in _papka_imports(path)
              if name not in SHARED and not name.startswith("papka.formats.verify")}
    assert strays == set()


def test_loading_the_whole_verifier_loads_no_planner_or_burner() -> None:
    # In a fresh interpreter, so that what other tests imported does not count; this also
    # catches a shared reader that starts importing the planner. The package's entry points
    # (papka.formats: the plan and redaction's front) load with any submodule, so what the
    # verifier adds is counted apart.
    code = (
        "import pkgutil, importlib, sys, papka.formats\n"
        "front = set(sys.modules)\n"
        "import papka.formats.verify as v\n"
        "for m in pkgutil.walk_packages(v.__path__, 'papka.formats.verify.'):\n"
        "    importlib.import_module(m.name)\n"
        "print(' '.join(sorted(set(sys.modules) - front)))\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    added, loaded = (set(line.split()) for line in subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout.splitlines())
    assert "papka.formats.verify.pdf_structure" in added
    workers = {"papka.formats.burn", "papka.formats.planner", "papka.formats.preview",
               "papka.formats.rendering", "papka.formats.finding", "papka.formats.detect",
               "papka.formats.text_redaction"}
    assert loaded & workers == set()
    # The shared reader tells garbage from words by Russian's dictionary (papka.text), which
    # knows nothing of plans or boxes.
    assert {name for name in added if name.startswith("papka.")} <= (
        {f"papka.formats.{name}" for name in ("ocr", "image", "views", "pdf", "docx", "email",
                                              "rank_filters", "blur", "fonts")}
        | {"papka.text"}
        | {name for name in added if name.startswith("papka.formats.verify.")})


@given(st.integers(min_value=0, max_value=2**32 - 1), st.integers(min_value=1, max_value=40),
       st.integers(min_value=1, max_value=40))
def test_opening_the_boxes_mask_equals_the_rank_filters(seed: int, width: int,
                                                        height: int) -> None:
    """The verifier opens its mask of solid black with box averages; the pixels are those of
    MinFilter(5) then MaxFilter(5), boxes and specks at every edge included."""
    import random as _random

    from PIL import Image, ImageChops, ImageDraw, ImageFilter

    from papka.formats.verify.pages import opened

    rng = _random.Random(seed)
    mask = Image.new("L", (width * 3, height * 3), 0)
    draw = ImageDraw.Draw(mask)
    for _ in range(rng.randint(0, 8)):
        x, y = rng.randrange(mask.width), rng.randrange(mask.height)
        draw.rectangle((x, y, x + rng.randint(0, 12), y + rng.randint(0, 12)), fill=255)
    for _ in range(rng.randint(0, 30)):
        mask.putpixel((rng.randrange(mask.width), rng.randrange(mask.height)), 255)
    expected = mask.filter(ImageFilter.MinFilter(5)).filter(ImageFilter.MaxFilter(5))
    assert ImageChops.difference(opened(mask), expected).getbbox() is None
