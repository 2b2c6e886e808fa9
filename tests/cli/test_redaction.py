"""The redaction commands: detect, redact (preview, then store), sanitize."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pikepdf
import pytest
from pdfminer.high_level import extract_text

from papka.formats.verify import verify
from tests.exchange.test_export import CANARY, KEPT, canary_pdf

from .conftest import DECOY, Papka

NOT_A_SECRET = "Сообщаем, что рассмотрение назначено"


def _add_canary(papka: Papka, workdir: Path) -> str:
    path = workdir / "summons.pdf"
    path.write_bytes(canary_pdf((KEPT, f"Мать: {CANARY}", NOT_A_SECRET)))
    added = papka("--json", "add", str(path), "--kind", "summons", passphrases=[DECOY])
    assert added.exit_code == 0, added.output
    return str(json.loads(added.stdout)["added"][0]["id"])


def _hide_file(workdir: Path) -> Path:
    path = workdir / "hide.txt"
    path.write_text(CANARY + "\n", encoding="utf-8")
    return path


def test_detect_lists_categories_and_never_values_unless_asked(decoy_only: Papka,
                                                               workdir: Path) -> None:
    doc = _add_canary(decoy_only, workdir)
    found = decoy_only("--json", "detect", doc, "--no-ocr", "--hide-file",
                       str(_hide_file(workdir)), passphrases=[DECOY])
    assert found.exit_code == 0, found.output
    report = json.loads(found.stdout)
    assert report["total"] >= 1 and report["pages"][0]["page"] == 1
    assert CANARY.split()[0] not in found.output
    shown = decoy_only("detect", doc, "--no-ocr", "--hide-file", str(_hide_file(workdir)),
                       "--show-values", passphrases=[DECOY])
    assert shown.exit_code == 0 and CANARY.split()[0] in shown.stdout


def test_preview_writes_numbered_pages_and_stores_nothing(decoy_only: Papka,
                                                          workdir: Path) -> None:
    doc = _add_canary(decoy_only, workdir)
    review = workdir / "review"
    previewed = decoy_only("redact", doc, "--no-ocr", "--hide-file", str(_hide_file(workdir)),
                           "--preview", str(review), passphrases=[DECOY])
    assert previewed.exit_code == 0, previewed.output
    pages = sorted(review.iterdir())
    assert [p.name for p in pages] == ["page-001.png"]
    assert pages[0].read_bytes().startswith(b"\x89PNG")
    assert "Nothing was stored" in previewed.stderr
    listed = json.loads(decoy_only("--json", "list", passphrases=[DECOY]).stdout)
    assert len(listed["documents"]) == 1
    again = decoy_only("redact", doc, "--no-ocr", "--preview", str(review), passphrases=[DECOY])
    assert again.exit_code == 1  # the folder is not empty: nothing is overwritten


def test_redact_stores_a_verified_copy_made_from_the_original(decoy_only: Papka,
                                                             workdir: Path) -> None:
    doc = _add_canary(decoy_only, workdir)
    done = decoy_only("--json", "redact", doc, "--no-ocr", "--hide-file",
                      str(_hide_file(workdir)), "--box", "1:60,700,200,720",
                      passphrases=[DECOY])
    assert done.exit_code == 0, done.output
    report = json.loads(done.stdout)
    assert report["stored_as"] and report["categories"].get("manual") == 1
    assert CANARY.split()[0] not in done.output
    copy = decoy_only("get", report["stored_as"], "-o", str(workdir / "copy.pdf"),
                      passphrases=[DECOY])
    assert copy.exit_code == 0, copy.output
    data = (workdir / "copy.pdf").read_bytes()
    assert verify(data, "application/pdf", [CANARY], ocr=False).ok
    shown = json.loads(decoy_only("--json", "show", report["stored_as"],
                                  passphrases=[DECOY]).stdout)
    assert shown["derived_from"] == doc and shown["derivation"]["action"] == "redact"
    assert "redacted" in shown["tags"]
    assert CANARY not in json.dumps(shown, ensure_ascii=False)


def test_a_wrong_box_and_an_unknown_drop_are_refused(decoy_only: Papka, workdir: Path) -> None:
    doc = _add_canary(decoy_only, workdir)
    bad_box = decoy_only("redact", doc, "--no-ocr", "--box", "1:10,20", passphrases=[DECOY])
    assert bad_box.exit_code == 1 and "PAGE:X0,Y0,X1,Y1" in bad_box.stderr
    bad_drop = decoy_only("redact", doc, "--no-ocr", "--drop", "999", passphrases=[DECOY])
    assert bad_drop.exit_code == 1
    listed = json.loads(decoy_only("--json", "list", passphrases=[DECOY]).stdout)
    assert len(listed["documents"]) == 1


def test_sanitize_stores_a_copy_without_metadata(decoy_only: Papka, workdir: Path) -> None:
    source = io.BytesIO()
    with pikepdf.open(io.BytesIO(canary_pdf())) as pdf:
        pdf.docinfo["/Author"] = CANARY
        pdf.save(source)
    path = workdir / "with-author.pdf"
    path.write_bytes(source.getvalue())
    added = decoy_only("--json", "add", str(path), passphrases=[DECOY])
    doc = json.loads(added.stdout)["added"][0]["id"]
    cleaned = decoy_only("--json", "sanitize", doc, passphrases=[DECOY])
    assert cleaned.exit_code == 0, cleaned.output
    report = json.loads(cleaned.stdout)
    assert "document information" in report["removed"]
    shown = json.loads(decoy_only("--json", "show", report["stored_as"],
                                  passphrases=[DECOY]).stdout)
    assert shown["derived_from"] == doc and "sanitized" in shown["tags"]
    got = decoy_only("get", report["stored_as"], "-o", str(workdir / "clean.pdf"),
                     passphrases=[DECOY])
    assert got.exit_code == 0
    with pikepdf.open(workdir / "clean.pdf") as pdf:
        assert "/Author" not in pdf.docinfo
    assert KEPT in extract_text(str(workdir / "clean.pdf"))  # the visible text stays


def _add_scribbled_note(papka: Papka, workdir: Path) -> str:
    from tests.formats.test_views import _scribbles

    path = workdir / "note.png"
    path.write_bytes(_scribbles())
    added = papka("--json", "add", str(path), "--kind", "note", passphrases=[DECOY])
    assert added.exit_code == 0, added.output
    return str(json.loads(added.stdout)["added"][0]["id"])


def test_a_photo_too_small_to_read_is_named_so_and_stores_nothing(
        decoy_only: Papka, workdir: Path) -> None:
    from tests.conftest import require_tool
    from tests.formats.test_small_pictures import _jpeg, _paper

    require_tool("tesseract")
    path = workdir / "military-id.jpg"
    path.write_bytes(_jpeg(_paper(0.3)))
    added = decoy_only("--json", "add", str(path), "--kind", "military-id",
                       passphrases=[DECOY])
    assert added.exit_code == 0, added.output
    doc = str(json.loads(added.stdout)["added"][0]["id"])
    refused = decoy_only("redact", doc, passphrases=[DECOY], env={"LANGUAGE": "ru"})
    assert refused.exit_code == 1, refused.output
    assert "страница 1: буквы на ней слишком мелкие" in refused.stderr
    assert "возьмите фото крупнее" in refused.stderr and "--unreadable" in refused.stderr
    listed = json.loads(decoy_only("--json", "list", passphrases=[DECOY]).stdout)
    assert len(listed["documents"]) == 1  # nothing stored
    dropped = decoy_only("--json", "redact", doc, "--unreadable", "box", passphrases=[DECOY])
    assert dropped.exit_code == 0, dropped.output
    reading = json.loads(dropped.stdout)["readings"][0]
    assert reading["status"] == "unreadable" and 0 < reading["letter_width"] < 7


def test_a_page_papka_cannot_read_stores_nothing_until_the_keeper_decides(
        decoy_only: Papka, workdir: Path) -> None:
    from tests.conftest import require_tool

    require_tool("tesseract")
    doc = _add_scribbled_note(decoy_only, workdir)
    refused = decoy_only("redact", doc, passphrases=[DECOY], env={"LANGUAGE": "ru"})
    assert refused.exit_code == 1, refused.output
    assert "страница 1: не удалось прочитать — проверьте вручную" in refused.stderr
    assert "--unreadable" in refused.stderr
    listed = json.loads(decoy_only("--json", "list", passphrases=[DECOY]).stdout)
    assert len(listed["documents"]) == 1  # nothing stored
    boxed = decoy_only("--json", "redact", doc, "--unreadable", "box", passphrases=[DECOY])
    assert boxed.exit_code == 0, boxed.output
    report = json.loads(boxed.stdout)
    assert report["stored_as"] and report["unreadable_pages"] == [{"page": 1, "choice": "box"}]
    assert report["readings"][0]["status"] == "unreadable"


def test_a_refused_copy_names_the_page_the_box_to_add_and_marks_the_preview(
        decoy_only: Papka, workdir: Path) -> None:
    from PIL import Image, ImageChops

    from tests.conftest import require_tool
    from tests.formats.test_views import _png, _sheet

    require_tool("tesseract")
    path = workdir / "letter.png"
    path.write_bytes(_png(_sheet()))
    added = decoy_only("--json", "add", str(path), passphrases=[DECOY])
    doc = json.loads(added.stdout)["added"][0]["id"]
    hide = workdir / "hide.txt"
    hide.write_text("Иванова Мария Петровна\n", encoding="utf-8")
    planned = json.loads(decoy_only("--json", "detect", doc, "--preset", "hide-only",
                                    "--hide-file", str(hide), passphrases=[DECOY]).stdout)
    drops = [arg for box in planned["boxes"] for arg in ("--drop", str(box["number"]))]
    review = workdir / "review"
    refused = decoy_only("redact", doc, "--preset", "hide-only", "--hide-file", str(hide),
                         *drops, "--preview", str(review), "--store", passphrases=[DECOY])
    assert refused.exit_code == 1, refused.output
    assert "page 1: custom is still readable; add --box 1:" in refused.stderr
    assert "orange" in refused.stderr and "Иванова" not in refused.output
    listed = json.loads(decoy_only("--json", "list", passphrases=[DECOY]).stdout)
    assert len(listed["documents"]) == 1  # nothing stored
    with Image.open(review / "page-001.png") as page:
        red, green, blue = page.convert("RGB").split()
    orange = ImageChops.multiply(ImageChops.multiply(
        red.point(lambda v: 255 if v > 230 else 0),
        green.point(lambda v: 255 if 120 < v < 160 else 0)),
        blue.point(lambda v: 255 if v < 30 else 0))
    assert orange.getbbox() is not None  # the leftover is marked
    suggested = refused.stderr.split("add --box ")[1].split()[0].rstrip(";")
    done = decoy_only("--json", "redact", doc, "--preset", "hide-only", "--hide-file",
                      str(hide), *drops, "--box", suggested, passphrases=[DECOY])
    assert done.exit_code == 0, done.output


def test_an_export_that_redacts_refuses_an_unreadable_page_and_offers_the_choice(
        decoy_only: Papka, workdir: Path) -> None:
    from tests.conftest import require_tool

    require_tool("tesseract")
    doc = _add_scribbled_note(decoy_only, workdir)
    bundle = workdir / "embassy.zip"
    refused = decoy_only("export", "--select", doc, "--profile", "embassy", "--plain",
                         "-o", str(bundle), passphrases=[DECOY])
    assert refused.exit_code == 1, refused.output
    assert "--unreadable" in refused.stderr and not bundle.exists()
    boxed = decoy_only("export", "--select", doc, "--profile", "embassy", "--plain",
                       "--unreadable", "box", "-o", str(bundle), passphrases=[DECOY])
    assert boxed.exit_code == 0, boxed.output
    assert bundle.exists()


def test_redacted_copies_carry_an_ocr_text_layer_unless_turned_off(decoy_only: Papka,
                                                                   workdir: Path) -> None:
    """By default (OCR on) the copy's text can be searched (read from the burned pixels, so
    the hidden name is not in it); --no-ocr-layer leaves the copy as pictures only."""
    from tests.conftest import require_tool

    require_tool("tesseract")
    doc = _add_canary(decoy_only, workdir)
    texts = {}
    for flag in ("", "--no-ocr-layer"):
        done = decoy_only("--json", "redact", doc, *([flag] if flag else []), "--hide-file",
                          str(_hide_file(workdir)), passphrases=[DECOY])
        assert done.exit_code == 0, done.output
        stored = json.loads(done.stdout)["stored_as"]
        target = workdir / f"copy{flag}.pdf"
        got = decoy_only("get", stored, "-o", str(target), passphrases=[DECOY])
        assert got.exit_code == 0, got.output
        texts[flag] = extract_text(io.BytesIO(target.read_bytes()))
    assert "комиссариат" in texts[""].lower()
    assert CANARY.split()[0].lower() not in texts[""].lower()
    assert texts["--no-ocr-layer"].strip() == ""


def test_export_passes_the_ocr_layer_choice_on(decoy_only: Papka, workdir: Path) -> None:
    import zipfile

    from tests.conftest import require_tool

    require_tool("tesseract")
    doc = _add_canary(decoy_only, workdir)
    texts = {}
    for flag in ("--ocr-layer", "--no-ocr-layer"):
        bundle = workdir / f"embassy{flag}.zip"
        done = decoy_only("export", "--select", doc, "--profile", "embassy", "--plain", flag,
                          "--hide-file", str(_hide_file(workdir)), "-o", str(bundle),
                          passphrases=[DECOY])
        assert done.exit_code == 0, done.output
        with zipfile.ZipFile(bundle) as archive:
            names = [n for n in archive.namelist() if n.startswith("files/")]
            assert len(names) == 1, archive.namelist()
            texts[flag] = extract_text(io.BytesIO(archive.read(names[0])))
    assert "комиссариат" in texts["--ocr-layer"].lower()
    assert texts["--no-ocr-layer"].strip() == ""


def test_keep_text_stores_a_copy_whose_other_text_stays_text(decoy_only: Papka,
                                                             workdir: Path) -> None:
    doc = _add_canary(decoy_only, workdir)
    done = decoy_only("--json", "redact", doc, "--no-ocr", "--keep-text", "--hide-file",
                      str(_hide_file(workdir)), passphrases=[DECOY])
    assert done.exit_code == 0, done.output
    report = json.loads(done.stdout)
    assert report["burned_pages"] == []
    target = workdir / "kept.pdf"
    got = decoy_only("get", report["stored_as"], "-o", str(target), passphrases=[DECOY])
    assert got.exit_code == 0, got.output
    data = target.read_bytes()
    assert verify(data, "application/pdf", [CANARY], ocr=False, gaps=True).ok
    text = extract_text(io.BytesIO(data))
    assert KEPT in text and NOT_A_SECRET in text and "Мать:" in text
    shown = json.loads(decoy_only("--json", "show", report["stored_as"],
                                  passphrases=[DECOY]).stdout)
    assert shown["derivation"]["keep_text"] is True


def test_keep_text_says_which_pages_became_pictures_in_both_languages(decoy_only: Papka,
                                                                      workdir: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    page.setFont("ExportSans", 14)
    page.drawString(72, 760, KEPT)
    page.setFont("Helvetica", 14)  # a standard font without widths: papka cannot measure it
    page.drawString(72, 700, "Kanareikina")
    page.save()
    path = workdir / "letter.pdf"
    path.write_bytes(buffer.getvalue())
    added = decoy_only("--json", "add", str(path), passphrases=[DECOY])
    doc = json.loads(added.stdout)["added"][0]["id"]
    hide = workdir / "latin.txt"
    hide.write_text("Kanareikina\n", encoding="utf-8")
    for language, sentence in (
            ("en", "Some pages were redrawn as pictures, because papka could not keep their "
                   "text safely: 1 (a font papka cannot measure)."),
            ("ru", "Некоторые страницы перерисованы картинками, потому что papka не может "
                   "надёжно сохранить на них текст: 1 (шрифт, который papka не может "
                   "измерить).")):
        done = decoy_only("redact", doc, "--no-ocr", "--keep-text", "--hide-file", str(hide),
                          passphrases=[DECOY], env={"LANGUAGE": language})
        assert done.exit_code == 0, done.output
        assert sentence in " ".join(done.stderr.split())


def test_a_refusal_names_each_place_once(capsys: pytest.CaptureFixture[str]) -> None:
    """A string found many times in one place (overlapping matches, several channels) is one
    box to add, shown once."""
    from papka.cli.redaction import _refusal
    from papka.formats.redaction import Leftover, RedactionNotVerified

    place = Leftover(page=0, category="military-unit", channel="pdf-text",
                     box=(282.2, 84.4, 391.6, 98.9))
    other = Leftover(page=1, category="name", channel="ocr", box=(10, 20, 30, 40))
    error = RedactionNotVerified(["pdf-text", "ocr"], [place] * 24 + [other, other])
    refusal = _refusal(error, "add46452", previewed=False)
    lines = capsys.readouterr().err.splitlines()
    assert lines.count("page 1: military-unit is still readable; add --box 1:282,84,392,99") == 1
    assert lines.count("page 2: name is still readable; add --box 2:10,20,30,40") == 1
    assert len(lines) == 2 and refusal.exit_code == 1


def _letter_the_check_cannot_read_enough_of(papka: Papka, workdir: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> str:
    """A letter stored, and the check asked to read more of it than any reading holds (as if
    planning had read a million words outside the boxes)."""
    from tests.conftest import require_tool
    from tests.formats.test_views import _png, _sheet

    require_tool("tesseract")
    path = workdir / "letter.png"
    path.write_bytes(_png(_sheet()))
    added = papka("--json", "add", str(path), passphrases=[DECOY])
    monkeypatch.setattr("papka.formats.redaction.expected_words", lambda plan: [10**6])
    return str(json.loads(added.stdout)["added"][0]["id"])


def test_a_page_the_check_could_not_read_is_named_with_the_choices(
        decoy_only: Papka, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check read far less of a page than planning did: nothing is stored, the page is
    named in the keeper's language, and --unreadable settles it."""
    doc = _letter_the_check_cannot_read_enough_of(decoy_only, workdir, monkeypatch)
    refused = decoy_only("redact", doc, passphrases=[DECOY], env={"LANGUAGE": "ru"})
    assert refused.exit_code == 1, refused.output
    stderr = " ".join(refused.stderr.split())
    assert "страница 1: проверка не смогла прочитать эту страницу копии" in stderr
    assert "--unreadable accept" in stderr
    listed = json.loads(decoy_only("--json", "list", passphrases=[DECOY]).stdout)
    assert len(listed["documents"]) == 1  # nothing stored
    accepted = decoy_only("--json", "redact", doc, "--unreadable", "accept",
                          passphrases=[DECOY])
    assert accepted.exit_code == 0, accepted.output
    assert json.loads(accepted.stdout)["stored_as"]


def test_an_export_names_the_way_forward_when_the_check_could_not_read_a_page(
        decoy_only: Papka, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = _letter_the_check_cannot_read_enough_of(decoy_only, workdir, monkeypatch)
    bundle = workdir / "embassy.zip"
    refused = decoy_only("export", "--select", doc, "--profile", "embassy", "--plain",
                         "-o", str(bundle), passphrases=[DECOY], env={"LANGUAGE": "ru"})
    assert refused.exit_code == 1, refused.output
    stderr = " ".join(refused.stderr.split())
    assert "Проверка не смогла прочитать страницу" in stderr and "--unreadable" in stderr
    assert not bundle.exists()
    accepted = decoy_only("export", "--select", doc, "--profile", "embassy", "--plain",
                          "--unreadable", "accept", "-o", str(bundle), passphrases=[DECOY])
    assert accepted.exit_code == 0, accepted.output
    assert bundle.exists()
