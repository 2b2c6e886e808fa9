"""Commands for redaction: detect, redact (with a preview to review first), sanitize.

The calm path: `papka redact ID --preview DIR` draws numbered boxes on page pictures in a folder
the keeper named and stores nothing; he looks, then runs `papka redact ID` (with --drop N for a
wrong box and --box for a missed one) to store the burned, verified copy as a new document made
from the original. Strings to hide come from a file or standard input, never the command line.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import click

from .categories import category_label
from .command import PapkaCommand
from .context import Config, pass_config
from .hide_file import read_hide_file
from .i18n import N_, _
from .output import note, print_json, render_table, shown
from .problems import CommandUsageError

if TYPE_CHECKING:
    from papka.formats import PageReading, RedactionLog, RedactionNotVerified, RedactionPlan
    from papka.formats.plan import UnreadableChoice

PRESETS = ("ru-personal", "ru-strict", "hide-only")


def _plan_options(function: Any) -> Any:
    options = [
        click.argument("doc_id", metavar="ID"),
        click.option("--preset", type=click.Choice(PRESETS), default="ru-personal",
                      show_default=True,
                      help=N_("What to look for: ru-personal (people, addresses, numbers), "
                              "ru-strict (also every date, place and case number), hide-only "
                              "(only your list).")),
        click.option("--hide-file", metavar="FILE|-",
                     help=N_("Your own strings to hide (names of relatives, an address), one "
                             "per line, from a file or standard input.")),
        click.option("--ocr/--no-ocr", default=True, show_default=True,
                     help=N_("Read text in scans and photos (Tesseract).")),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _log_rows(log: RedactionLog) -> list[list[str]]:
    return [[category_label(category), str(count)]
            for category, count in log.as_dict()["categories"].items()]


_VIEW_NAMES = {
    "contrast": N_("contrast raised"),
    "inverted": N_("light text on dark, inverted"),
    "deskewed": N_("straightened"),
    "unbent": N_("its bent lines straightened"),
}


def _reading_text(reading: PageReading) -> str:
    """One line per page: how much was read, and how papka had to look at it."""
    page = reading.page + 1
    if reading.too_small:
        from papka.formats.reading import SMALLEST_LETTERS

        return _("page {page}: its letters are too small to read reliably (about {width:g} "
                 "pixels wide, papka needs {least:g}) — check it yourself, or use a larger "
                 "photo").format(page=page, width=reading.letter_width,
                                 least=SMALLEST_LETTERS)
    if reading.too_blurred:
        return _("page {page}: the photo is too blurred to read reliably — check it yourself, "
                 "or take a sharper photo").format(page=page)
    if reading.lines_unread:
        return _("page {page}: lines of print on it ({lines}) were left out of every reading "
                 "— check it yourself, or use a sharper photo").format(
                     page=page, lines=reading.unread_lines)
    if reading.lines_crossed:
        return _("page {page}: its lines of print bend so that they were read into one another "
                 "— check it yourself, or flatten the paper and take the photo again").format(
                     page=page)
    if reading.lines_garbled:
        return _("page {page}: lines of print on it ({lines}) could only be read as garbage — "
                 "check it yourself, or take the photo again without a fold or a shadow across "
                 "the print").format(page=page, lines=reading.garbled_lines)
    if reading.status == "unreadable":
        return _("page {page}: could not be read — check it yourself").format(page=page)
    if reading.status == "not-read":
        return _("page {page}: text in pictures was not read (--no-ocr)").format(page=page)
    if reading.status == "blank":
        return _("page {page}: blank, nothing to read").format(page=page)
    if reading.status == "text-layer":
        return _("page {page}: read from its text layer").format(page=page)
    how = [_(_VIEW_NAMES[view]) for view in reading.views if view in _VIEW_NAMES]
    if reading.turned:
        how.insert(0, _("turned {degrees}°").format(degrees=reading.turned))
    line = _("page {page}: {words} words read").format(page=page, words=reading.words)
    return f"{line} ({', '.join(how)})" if how else line


def _readings_text(plan: RedactionPlan) -> list[str]:
    return [_reading_text(reading) for reading in plan.readings]


def _log_text(log: RedactionLog, plan: RedactionPlan | None = None) -> str:
    data = log.as_dict()
    if not data["total"]:
        words = sum(r.words for r in plan.readings) if plan is not None else 0
        if plan is not None and plan.readings and any(r.status == "read" for r in plan.readings):
            return _("Nothing to hide was found in the {words} words read.").format(words=words)
        return _("Nothing to hide was found.")
    pages = ", ".join(str(p["page"]) for p in data["pages"])
    lines = [render_table([_("CATEGORY"), _("COUNT")], _log_rows(log), flexible=0),
             _("Pages: {pages}").format(pages=pages)]
    return "\n".join(lines)


def _boxes(plan: RedactionPlan, *, values: bool) -> list[dict[str, Any]]:
    found = []
    for box in plan.boxes():
        entry: dict[str, Any] = {"number": box.number, "page": box.page + 1,
                                 "category": box.category, "source": box.source,
                                 "box": [round(box.x0, 1), round(box.y0, 1), round(box.x1, 1),
                                         round(box.y1, 1)]}
        if box.corners is not None:
            entry["corners"] = [[round(x, 1), round(y, 1)] for x, y in box.corners]
        if values:
            entry["text"] = box.text
        found.append(entry)
    return found


def _readings(plan: RedactionPlan) -> list[dict[str, Any]]:
    return [{"page": r.page + 1, "status": r.status, "words": r.words,
             "confident_words": r.confident_words, "views": list(r.views), "turned": r.turned,
             "letter_width": r.letter_width, "unread_lines": r.unread_lines,
             "crossed_lines": r.crossed_lines, "garbled_lines": r.garbled_lines,
             "blur": r.blur}
            for r in plan.readings]


UNREADABLE_HELP = N_(
    "What to do with a page papka could not read, before burning or when checking the copy: "
    "box (black it out whole), drop (leave it out of the copy) or accept (you checked it "
    "yourself; it stays as it is). Without it, papka asks in a terminal and otherwise stores "
    "nothing.")

OCR_LAYER_HELP = N_(
    "Give the redacted PDF an invisible text layer that Tesseract reads from the redacted "
    "pages, so the recipient can search and copy the text (on by default with --ocr; about a "
    "second per page).")


KEEP_TEXT_HELP = N_(
    "For a PDF made on a computer (not a scan), a DOCX or an e-mail: take what is under the "
    "boxes out of the text itself and keep the rest of the text searchable and selectable, "
    "instead of redrawing the pages as pictures. Each box gets the same width whatever it "
    "hides. Pages where papka cannot do this safely are redrawn as pictures, and papka says "
    "which.")

#: Why a page was redrawn as a picture with --keep-text (codes from
#: papka.formats.text_redaction.BURN_REASONS).
_BURN_REASONS = {
    "picture": N_("a picture under a box"),
    "drawing": N_("a drawing under a box"),
    "type3-font": N_("text in a Type 3 font under a box"),
    "unmeasured-font": N_("a font papka cannot measure"),
    "form-text": N_("text under a box inside a part of the page drawn several times or nested"),
    "turned-text": N_("turned or slanted text under a box"),
    "unmatched-text": N_("letters under a box papka could not find in the content"),
    "line-overflow": N_("a line that would run into other text or off the page"),
    "turned-box": N_("a turned box"),
    "whole-page": N_("the whole page is covered"),
    "content": N_("content papka cannot read"),
    "verification": N_("the copy with text kept did not pass verification"),
}


def burned_reasons(burned: Mapping[int, str]) -> str:
    """Why pages became pictures with --keep-text (or a profile that keeps the text), in the
    keeper's language."""
    reasons = sorted(set(burned.values()))
    return "; ".join(_(_BURN_REASONS[r]) if r in _BURN_REASONS else r for r in reasons)


def _burned_text(burned: dict[int, str]) -> str:
    """One sentence: which pages became pictures with --keep-text, and why."""
    pages = ", ".join(str(page + 1) for page in sorted(burned))
    why = burned_reasons(burned)
    return _("Some pages were redrawn as pictures, because papka could not keep their text "
             "safely: {pages} ({reasons}).").format(pages=pages, reasons=why)


def _settle_unreadable(plan: RedactionPlan, choice: str | None, *, ask: bool) -> None:
    """Every unreadable page needs the keeper's decision before anything is stored."""
    pending = plan.unsettled_pages()
    if not pending:
        return
    if choice is not None:
        plan.settle_unreadable(choice)  # type: ignore[arg-type]
        return
    if ask:
        for page in pending:
            answer = click.prompt(
                _("Page {page}: box (black out the whole page), drop (leave it out), accept "
                  "(you checked it) or stop").format(page=page + 1),
                type=click.Choice(["box", "drop", "accept", "stop"]), default="stop",
                err=True)
            if answer == "stop":
                break
            plan.settle_unreadable(answer, [page])  # type: ignore[arg-type]
        if not plan.unsettled_pages():
            return
    raise CommandUsageError(
        _("papka could not read every page with confidence, so it stored nothing."),
        hint=_("Look at those pages (--preview DIR), then run again with --unreadable box, "
               "drop or accept."))


def _refusal(error: RedactionNotVerified, doc_id: str, *, previewed: bool
             ) -> CommandUsageError:
    """What verification still found, where, and the next step for each place (each place
    once: a string found in several channels is one place to box)."""
    from papka.formats.verify.report import UNREAD

    shown: set[str] = set()
    unread = error.unread_pages()
    for leftover in error.leftovers:
        if leftover.page is None:
            continue
        if leftover.channel == UNREAD:
            line = _("page {page}: the check could not read this page of the copy, though "
                     "papka read it before burning, so it cannot show the page is clean").format(
                page=leftover.page + 1)
        else:
            line = _("page {page}: {category} is still readable").format(
                page=leftover.page + 1, category=leftover.category)
        if leftover.box is not None:
            x0, y0, x1, y1 = (round(v) for v in leftover.box)
            line += "; " + _("add --box {page}:{x0},{y0},{x1},{y1}").format(
                page=leftover.page + 1, x0=x0, y0=y0, x1=x1, y1=y1)
        if line not in shown:
            shown.add(line)
            note(line)
    if previewed:
        hint = _("The preview marks in orange what is still readable. Add the boxes shown "
                 "above, or black out a whole page with --box PAGE:0,0,W,H.")
    else:
        hint = _("Add the boxes shown above, or black out a whole page with --box "
                 "PAGE:0,0,W,H. To see what is still readable marked in orange, run the same "
                 "command with --preview DIR --store.")
    if unread:
        unread_hint = _("Look at the page named above in the original (--preview DIR). If "
                        "nothing on it must be hidden, run again with --unreadable accept; or "
                        "black it out with --unreadable box, or leave it out with --unreadable "
                        "drop.")
        others = any(leftover.channel != UNREAD for leftover in error.leftovers)
        hint = f"{unread_hint} {hint}" if others else unread_hint
    return CommandUsageError(
        _("The redacted copy did not pass verification, so papka did not keep it."),
        hint=hint)


def _with_tag(tags: tuple[str, ...], tag: str) -> tuple[str, ...]:
    """The copy's tags: the original's, plus one saying what the copy is, so that a list tells
    the two apart (same title) and `--select tag:redacted` finds the copies."""
    return tags if tag in tags else (*tags, tag)


def _write_previews(folder: Path, pictures: list[bytes]) -> list[Path]:
    """Write the preview pages into a new or empty folder the keeper named, never over a file."""
    from papka.output_files import new_output_file

    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise CommandUsageError(_("The preview folder must be new or empty."),
                                hint=_("Give another folder with --preview."))
    folder.mkdir(mode=0o700, exist_ok=True)
    written = []
    for number, picture in enumerate(pictures, start=1):
        path = folder / f"page-{number:03d}.png"
        with new_output_file(path) as out:
            out.write(picture)
        written.append(path)
    return written


@click.command(
    "detect", cls=PapkaCommand,
    help=N_("List what a document holds that points at people: categories, counts and pages. "
            "The matched text itself is shown only with --show-values, because a terminal's "
            "scrollback is a trace."),
    epilog=N_("Examples:\n\n\b\n  papka detect 3f2a\n"
              "  papka detect 3f2a --preset ru-strict --hide-file names.txt\n"
              "  papka --json detect 3f2a"),
)
@_plan_options
@click.option("--show-values", is_flag=True, help=N_("Also show the text each box covers."))
@pass_config
def detect_command(config: Config, doc_id: str, preset: str, hide_file: str | None, ocr: bool,
                   show_values: bool) -> None:
    from papka.formats import plan_redaction

    hide = read_hide_file(hide_file)
    with config.container(write=False) as container:
        compartment, document = config.find_document(container, doc_id)
        data = compartment.documents.read_bytes(document.id)
    plan = plan_redaction(data, document.media_type, preset=preset, hide=hide, ocr=ocr)
    log = plan.summary()
    if config.json:
        print_json({"id": document.id, **log.as_dict(), "readings": _readings(plan),
                    "boxes": _boxes(plan, values=show_values)})
        return
    for line in _readings_text(plan):
        note(line)
    click.echo(_log_text(log, plan))
    if show_values:
        rows = [[str(b["number"]), str(b["page"]), category_label(b["category"]), shown(b["text"])]
                for b in _boxes(plan, values=True)]
        click.echo(render_table([_("BOX"), _("PAGE"), _("CATEGORY"), _("TEXT")], rows,
                                flexible=3))


@click.command(
    "redact", cls=PapkaCommand,
    help=N_("Black out people's names, addresses, numbers and your own strings for real: the "
            "pages are redrawn as fresh pictures and checked, so nothing under a box can be "
            "copied, searched or recovered. The copy is stored as a new document made from "
            "ID; the original stays as it is. With --preview DIR, page pictures with numbered "
            "boxes are written to DIR for you to check and nothing is stored (add --store to "
            "store as well)."),
    epilog=N_("Examples:\n\n\b\n"
              "  papka redact 3f2a --preview review/\n"
              "  papka redact 3f2a --hide-file names.txt --drop 4 --box 1:40,100,300,130\n"
              "  papka --json redact 3f2a"),
)
@_plan_options
@click.option("--box", "boxes", multiple=True, metavar="PAGE:X0,Y0,X1,Y1",
              help=N_("A box of your own, in points from the top left of the page (pixels for "
                      "a photo), pages from 1; repeat for several."))
@click.option("--drop", "drops", multiple=True, type=int, metavar="N",
              help=N_("Leave out the box numbered N in the preview (a false alarm); repeat "
                      "for several."))
@click.option("--preview", type=click.Path(path_type=Path), metavar="DIR",
              help=N_("Write page pictures with numbered boxes to this new or empty folder; "
                      "they show the original text, so delete them after looking."))
@click.option("--store", is_flag=True, help=N_("With --preview: also store the redacted copy."))
@click.option("--unreadable", type=click.Choice(["box", "drop", "accept"]), default=None,
              help=UNREADABLE_HELP)
@click.option("--ocr-layer/--no-ocr-layer", default=None, help=OCR_LAYER_HELP)
@click.option("--keep-text", is_flag=True, help=KEEP_TEXT_HELP)
@pass_config
def redact_command(config: Config, doc_id: str, preset: str, hide_file: str | None, ocr: bool,
                   boxes: tuple[str, ...], drops: tuple[int, ...], preview: Path | None,
                   store: bool, unreadable: str | None, ocr_layer: bool | None,
                   keep_text: bool) -> None:
    from papka.formats import (
        RedactionNotVerified,
        plan_redaction,
        redact_as_planned,
        render_preview,
    )
    from papka.formats.plan import parse_box
    from papka.formats.redaction import burned_page_list

    hide = read_hide_file(hide_file)
    manual = [parse_box(spec) for spec in boxes]
    storing = preview is None or store
    with config.container(write=storing) as container:
        compartment, document = config.find_document(container, doc_id)
        data = compartment.documents.read_bytes(document.id)
        plan = plan_redaction(data, document.media_type, preset=preset, hide=hide,
                              boxes=manual, ocr=ocr)
        for number in drops:
            plan.drop(number)
        for line in _readings_text(plan):
            note(line)
        result = None
        refusal: RedactionNotVerified | None = None
        if storing:
            _settle_unreadable(plan, unreadable, ask=sys.stdin.isatty() and not config.json)
            try:
                result = redact_as_planned(
                    data, document.media_type, plan, ocr=ocr, ocr_layer=ocr_layer,
                    keep_text=keep_text,
                    unreadable=cast("UnreadableChoice | None", unreadable))
            except RedactionNotVerified as error:
                refusal = error
        written: list[Path] = []
        if preview is not None:
            written = _write_previews(preview, render_preview(
                data, document.media_type, plan,
                leftovers=refusal.leftovers if refusal is not None else ()))
        if refusal is not None:
            raise _refusal(refusal, document.id, previewed=bool(written)) from refusal
        stored = None
        log = plan.summary()
        burned: dict[int, str] = {}
        if result is not None:
            log = result.log
            burned = result.burned_pages
            derivation: dict[str, Any] = {"action": "redact", "preset": preset,
                                          "log": log.as_dict()}
            if keep_text:
                derivation["keep_text"] = True
                derivation["burned_pages"] = burned_page_list(burned)
            stored = compartment.documents.add(
                io.BytesIO(result.data), kind=document.kind, title=document.title,
                date=document.date, tags=_with_tag(document.tags, "redacted"),
                derived_from=document.id, derivation=derivation)
    if config.json:
        extra: dict[str, Any] = {}
        if keep_text:
            extra["burned_pages"] = burned_page_list(burned)
        print_json({"id": document.id, "stored_as": stored.id if stored else None,
                    "preview": [str(p) for p in written], **log.as_dict(),
                    "readings": _readings(plan), "boxes": _boxes(plan, values=False),
                    **extra})
        return
    if burned:
        note(_burned_text(burned))
    if written:
        sources = {"detected": _("found by papka"), "manual": _("yours")}
        rows = [[str(b["number"]), str(b["page"]), category_label(b["category"]),
                 sources.get(b["source"], b["source"])] for b in _boxes(plan, values=False)]
        click.echo(render_table([_("BOX"), _("PAGE"), _("CATEGORY"), _("FROM")], rows,
                                flexible=2))
        note(_("Preview pages written to {folder}. They show the original text: delete them "
               "when you are done.").format(folder=preview))
    click.echo(_log_text(log, plan))
    if stored is not None:
        click.echo(_("Stored the redacted copy as {id} (made from {original}).").format(
            id=stored.id, original=document.id))
    else:
        note(_("Nothing was stored. When the boxes are right, run the same command without "
               "--preview (use --drop N and --box to correct them)."))


@click.command(
    "sanitize", cls=PapkaCommand,
    help=N_("Store a copy of a document with its hidden metadata removed (author, software, "
            "dates, GPS position, edit history, attachments) and show what was removed. The "
            "visible content stays as it is; use `papka redact` to hide what is visible."),
    epilog=N_("Examples:\n\n\b\n  papka sanitize 3f2a\n  papka --json sanitize 3f2a"),
)
@click.argument("doc_id", metavar="ID")
@pass_config
def sanitize_command(config: Config, doc_id: str) -> None:
    from papka.formats.sanitize import sanitize

    with config.container(write=True) as container:
        compartment, document = config.find_document(container, doc_id)
        data = compartment.documents.read_bytes(document.id)
        result = sanitize(data, document.media_type)
        stored = compartment.documents.add(
            io.BytesIO(result.data), kind=document.kind, title=document.title,
            date=document.date, tags=_with_tag(document.tags, "sanitized"),
            derived_from=document.id,
            derivation={"action": "sanitize", "removed": list(result.removed)})
    if config.json:
        print_json({"id": document.id, "stored_as": stored.id, "removed": result.removed})
        return
    if result.removed:
        click.echo(_("Removed: {what}.").format(what=", ".join(result.removed)))
    else:
        click.echo(_("No hidden metadata was found."))
    click.echo(_("Stored the clean copy as {id} (made from {original}).").format(
        id=stored.id, original=document.id))


COMMANDS: tuple[click.Command, ...] = (detect_command, redact_command, sanitize_command)
