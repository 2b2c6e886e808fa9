"""Commands for documents: add, list, show, edit, get, remove."""

from __future__ import annotations

import datetime
import sys
from collections.abc import Sequence
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

import click
from click.shell_completion import CompletionItem

from .categories import tag_from_label, tag_label
from .command import PapkaCommand
from .context import Config, pass_config
from .i18n import N_, _
from .kinds import kind_label, resolve_kind
from .output import Progress, human_size, note, print_json, render_fields, render_table
from .problems import CommandUsageError
from .questions import confirm

if TYPE_CHECKING:
    from papka.vault import Compartment, Document


def _complete_kind(ctx: click.Context, param: click.Parameter,
                   incomplete: str) -> list[CompletionItem]:
    from papka.vault import KINDS

    return [CompletionItem(kind) for kind in KINDS if kind.startswith(incomplete)]


def _parse_date(ctx: click.Context, param: click.Parameter,
                value: str | None) -> datetime.date | None:
    if value is None or value == "":
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(_("write the date as YYYY-MM-DD, e.g. 2024-03-15.")) from None


def _metadata_options(function: Any) -> Any:
    """The options that describe a document, shared by add and edit."""
    options = [
        click.option("--kind", metavar="KIND", shell_complete=_complete_kind,
                     help=N_("What the document is: criminal-case, summons, military-id, cv, "
                             "… (see `papka kinds`).")),
        click.option("--title", metavar="TEXT", help=N_("A title to find it by.")),
        click.option("--date", callback=_parse_date, metavar="YYYY-MM-DD",
                     help=N_("The date on the document.")),
        click.option("--issuer", metavar="TEXT", help=N_("Who issued it (a court, a unit, "
                                                         "an embassy).")),
        click.option("--number", metavar="TEXT", help=N_("Its number (case, order, passport).")),
        click.option("--country", metavar="CODE", help=N_("The issuing country, e.g. RU.")),
        click.option("--language", metavar="CODE", help=N_("Its language, e.g. ru.")),
        click.option("--note", "notes", metavar="TEXT", help=N_("A note of your own.")),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _present(**fields: Any) -> dict[str, Any]:
    return {name: value for name, value in fields.items() if value is not None}


def _document_json(document: Document, level: int) -> dict[str, Any]:
    data = dict(document.to_json())
    data["compartment"] = level
    return data


@click.command(
    "add", cls=PapkaCommand,
    help=N_("Add files to the container and print their new ids. A folder adds every file in "
            "it. Nothing is left outside the container: delete your own copies afterwards if "
            "they are not safe where they are."),
    epilog=N_("Examples:\n\n\b\n"
              "  papka add case.pdf --kind criminal-case --date 2024-03-15 --tag court\n"
              "  papka add photo1.jpg photo2.jpg --kind military-id --tag service\n"
              "  papka add ~/Scans/ --tag asylum"),
)
@click.argument("files", nargs=-1, required=True, metavar="FILE...",
                type=click.Path(path_type=Path))
@_metadata_options
@click.option("--tag", "tags", multiple=True, metavar="TAG",
              help=N_("A tag; repeat for several."))
@pass_config
def add(config: Config, files: tuple[Path, ...], tags: tuple[str, ...], **fields: Any) -> None:
    for path in files:
        if not path.exists():
            raise CommandUsageError(_("A file or folder that was given does not exist."),
                             hint=_("Check the path and try again."))
    single = len(files) == 1 and not files[0].is_dir()
    if fields.get("title") and not single:
        raise CommandUsageError(_("--title can only be given for a single file."),
                         hint=_("Add the files one by one, or set titles later with "
                                "`papka edit`."))
    added: list[Document] = []
    with config.container(write=True) as container:
        compartment = config.compartment(container)
        store = compartment.documents
        known = store.known_kinds()
        if _asks_on_terminal(config) and not tags and not any(fields.values()):
            # `papka add FILE` alone: the description is asked for, so that it stays out of
            # shell history and the process list.
            tags = _ask_description(fields, tags, known, single=single)
        if fields.get("kind") is not None:
            fields["kind"] = resolve_kind(fields["kind"], known)
        metadata = _present(**fields)
        if tags:
            metadata["tags"] = tags
        for path in files:
            if path.is_dir():
                added.extend(store.import_folder(path, **metadata))
                continue
            with Progress(_("Adding")) as progress:
                added.append(store.add(path, progress=progress, **metadata))
    if config.json:
        print_json({"added": [_document_json(d, compartment.level) for d in added]})
        return
    for document in added:
        click.echo(f"{document.id}  {document.title}")
    note(_("Documents added: {count}.").format(count=len(added)))


def _asks_on_terminal(config: Config) -> bool:
    return not config.json and sys.stdin.isatty() and sys.stderr.isatty()


def _ask_description(fields: dict[str, Any], tags: tuple[str, ...], known: Sequence[str], *,
                     single: bool) -> tuple[str, ...]:
    """Ask for what was not given on the command line: kind, title, tags, date."""
    from .questions import ask_text

    if fields.get("kind") is None:
        while True:
            typed = ask_text(_("Kind (e.g. повестка, criminal-case; Enter for \"other\"; "
                               "`papka kinds` lists them)"))
            if not typed:
                fields["kind"] = "other"
                break
            try:
                fields["kind"] = resolve_kind(typed, known)
                break
            except CommandUsageError as error:
                note(error.message)
                if error.hint:
                    note(error.hint)
    if single and fields.get("title") is None:
        fields["title"] = ask_text(_("Title (Enter for the file name)")) or None
    if not tags:
        typed = ask_text(_("Tags, separated by commas (Enter for none)"))
        tags = tuple(t.strip() for t in typed.split(",") if t.strip())
    while fields.get("date") is None:
        typed = ask_text(_("Date on the paper, YYYY-MM-DD (Enter for none)"))
        if not typed:
            break
        try:
            fields["date"] = datetime.date.fromisoformat(typed)
        except ValueError:
            note(_("Write the date as YYYY-MM-DD, e.g. 2024-03-15."))
    return tags


def _date_text(document: Document) -> str:
    return document.date.isoformat() if document.date else ""


@click.command(
    "list", cls=PapkaCommand,
    help=N_("List the documents of the compartment you work in (or of every open one with "
            "--all). WORDS search titles and metadata in any grammatical form (повестки finds "
            "Повестка), ignoring case and ё/е, in Cyrillic or Latin letters; every word must "
            "match. In `papka shell` the words stay out of the shell's history."),
    epilog=N_("Examples:\n\n\b\n"
              "  papka list\n"
              "  papka list --kind summons --since 2024-01-01\n"
              "  papka list --kind повестка\n"
              "  papka list приказ 217\n"
              "  papka --json list --tag court"),
)
@click.argument("query", nargs=-1, metavar="[WORDS]...")
@click.option("--kind", metavar="KIND", shell_complete=_complete_kind,
              help=N_("Only documents of this kind."))
@click.option("--tag", metavar="TAG", help=N_("Only documents with this tag."))
@click.option("--since", callback=_parse_date, metavar="YYYY-MM-DD",
              help=N_("Only documents dated on or after this day."))
@click.option("--until", callback=_parse_date, metavar="YYYY-MM-DD",
              help=N_("Only documents dated on or before this day."))
@click.option("--all", "every", is_flag=True, help=N_("List every open compartment."))
@pass_config
def list_documents(config: Config, query: tuple[str, ...], kind: str | None, tag: str | None,
                   since: datetime.date | None, until: datetime.date | None,
                   every: bool) -> None:
    found: list[tuple[int, Document]] = []
    words = " ".join(query).strip()
    with config.container(write=False) as container:
        compartments: Sequence[Compartment] = (
            list(reversed(container.compartments)) if every else [config.compartment(container)])
        if kind is not None:
            known = [k for c in compartments for k in c.documents.known_kinds()]
            kind = resolve_kind(kind, known)
        for compartment in compartments:
            documents = compartment.documents.list(
                kind=kind, tag=tag_from_label(tag) if tag else None, since=since, until=until,
                query=words or None)
            found.extend((compartment.level, d) for d in documents)
    if config.json:
        print_json({"documents": [_document_json(d, level) for level, d in found]})
        return
    if not found:
        note(_("No documents match."))
        return
    from papka.vault.bulk import bulk_objects

    headers = [_("ID"), _("KIND"), _("DATE"), _("TITLE"), _("TAGS"), _("SIZE")]
    # Six strings a row for every document, none in a cycle: the cycle collector waits, as it
    # does while the catalog loads (a quarter of the command's time at 50,000 rows otherwise).
    with bulk_objects():
        rows = [[d.id, kind_label(d.kind), _date_text(d), d.title,
                 ",".join(map(tag_label, d.tags)), human_size(d.size)]
                for _level, d in found]
        if every:
            headers.insert(0, _("LEVEL"))
            for row, (level, _d) in zip(rows, found, strict=True):
                row.insert(0, str(level))
        table = render_table(headers, rows, flexible=headers.index(_("TITLE")))
    click.echo(table)


@click.command(
    "show", cls=PapkaCommand,
    help=N_("Show everything papka knows about a document. ID may be shortened to its first "
            "4 characters or more, as long as it stays unique."),
    epilog=N_("Examples:\n\n\b\n  papka show 3f2a\n  papka --json show 3f2a91c0"),
)
@click.argument("doc_id", metavar="ID")
@pass_config
def show(config: Config, doc_id: str) -> None:
    with config.container(write=False) as container:
        compartment, document = config.find_document(container, doc_id)
    if config.json:
        print_json({**_document_json(document, compartment.level),
                    "page_commitments": _commitments_json(document)})
        return
    pairs = [
        (_("ID"), document.id), (_("Title"), document.title),
        (_("Kind"), _kind_text(document.kind)),
        (_("Date"), _date_text(document)), (_("Issuer"), document.issuer or ""),
        (_("Number"), document.number or ""), (_("Country"), document.country or ""),
        (_("Language"), document.language or ""),
        (_("Tags"), ", ".join(map(tag_label, document.tags))),
        (_("Note"), document.notes or ""), (_("File name"), document.filename or ""),
        (_("Type"), document.media_type), (_("Size"), human_size(document.size)),
        (_("SHA-256"), document.sha256),
        (_("Added"), document.added.strftime("%Y-%m-%d %H:%M UTC")),
        (_("Made from"), document.derived_from or ""),
        (_("Page commitments"), _commitments_text(document)),
        (_("Compartment"), str(compartment.level)),
    ]
    click.echo(render_fields([(label, value) for label, value in pairs if value]))


def _commitments_json(document: Document) -> dict[str, Any] | None:
    """How many pages papka committed to, and when: never the salts (papka disclose)."""
    from papka.vault.commitments import PageCommitments

    if document.commitments is None:
        return None
    try:
        made = PageCommitments.from_record(document.commitments)
    except ValueError:
        return None
    return {"pages": len(made.pages or ()), "made": made.made, "at": made.at}


def _commitments_text(document: Document) -> str:
    found = _commitments_json(document)
    if found is None:
        return _("none yet (made at the first export)")
    what = (_("pages: {count}, and the whole file").format(count=found["pages"])
            if found["pages"] else _("the whole file"))
    when = _("when added") if found["made"] == "import" else _("later, {at}").format(
        at=found["at"])
    return f"{what}, {when}"


def _kind_text(kind: str) -> str:
    label = kind_label(kind)
    return kind if label == kind else f"{label} ({kind})"


_CLEARABLE = ("date", "issuer", "number", "country", "language", "notes", "tags")


@click.command(
    "edit", cls=PapkaCommand,
    help=N_("Change a document's description. Only the options you give change; --tag "
            "replaces every tag, --add-tag and --remove-tag change one."),
    epilog=N_("Examples:\n\n\b\n"
              "  papka edit 3f2a --title \"Повестка в суд\" --date 2024-05-02\n"
              "  papka edit 3f2a --add-tag embassy --remove-tag draft\n"
              "  papka edit 3f2a --clear number"),
)
@click.argument("doc_id", metavar="ID")
@_metadata_options
@click.option("--tag", "tags", multiple=True, metavar="TAG",
              help=N_("Replace the tags; repeat for several."))
@click.option("--add-tag", "add_tags", multiple=True, metavar="TAG", help=N_("Add a tag."))
@click.option("--remove-tag", "remove_tags", multiple=True, metavar="TAG",
              help=N_("Remove a tag."))
@click.option("--clear", "clear", multiple=True, type=click.Choice(_CLEARABLE),
              help=N_("Empty a field; repeat for several."))
@pass_config
def edit(config: Config, doc_id: str, tags: tuple[str, ...], add_tags: tuple[str, ...],
         remove_tags: tuple[str, ...], clear: tuple[str, ...], **fields: Any) -> None:
    changes = _present(**fields)
    for name in clear:
        changes[name] = () if name == "tags" else None
    if not changes and not tags and not add_tags and not remove_tags:
        raise CommandUsageError(_("Nothing to change was given."),
                         hint=_("Run `papka edit --help` to see what can be changed."))
    with config.container(write=True) as container:
        compartment, document = config.find_document(container, doc_id)
        if changes.get("kind") is not None:
            changes["kind"] = resolve_kind(changes["kind"], compartment.documents.known_kinds())
        if tags or add_tags or remove_tags:
            current = list(tags) if tags else list(document.tags)
            current += [t for t in add_tags if t not in current]
            changes["tags"] = tuple(t for t in current if t not in remove_tags)
        updated = compartment.documents.update(document.id, **changes)
    if config.json:
        print_json(_document_json(updated, compartment.level))
    else:
        click.echo(_("Document {id} was changed.").format(id=updated.id))


def _safe_file_name(document: Document) -> str:
    """A name to save under in the current folder: never a path, never a hidden file."""
    name = PurePath((document.filename or "").replace("\\", "/")).name
    if not name or name.startswith(".") or name in {".", ".."}:
        name = document.id
    return name


@click.command(
    "get", cls=PapkaCommand,
    help=N_("Copy a document out of the container: to the current folder under its own file "
            "name, to the path given with -o, or to standard output with -o -. Nothing is "
            "written anywhere else, and an existing file is kept unless --force."),
    epilog=N_("Examples:\n\n\b\n"
              "  papka get 3f2a\n"
              "  papka get 3f2a -o /media/stick/for-lawyer.pdf\n"
              "  papka get 3f2a -o - | lp"),
)
@click.argument("doc_id", metavar="ID")
@click.option("-o", "--output", metavar="PATH|-", help=N_("Where to write it; - for stdout."))
@click.option("--force", is_flag=True, help=N_("Overwrite an existing file."))
@pass_config
def get(config: Config, doc_id: str, output: str | None, force: bool) -> None:
    with config.container(write=False) as container:
        compartment, document = config.find_document(container, doc_id)
        store = compartment.documents
        if output == "-":
            stream = sys.stdout.buffer
            if stream.isatty():
                raise CommandUsageError(_("A document is not shown on the terminal."),
                                 hint=_("Redirect the output to a file or program, or use "
                                        "-o PATH."))
            with Progress(_("Copying")) as progress:
                store.copy_to(document.id, stream, progress=progress)
            stream.flush()
            return
        target = Path(output) if output else Path.cwd() / _safe_file_name(document)
        if target.is_dir():
            target = target / _safe_file_name(document)
        if target.exists() and not force:
            raise CommandUsageError(_("The file already exists; nothing was overwritten."),
                             hint=_("Choose another path with -o, or add --force."))
        written = store.save_to(document.id, target, overwrite=force)
    if config.json:
        print_json({"id": document.id, "path": str(written), "size": document.size})
    else:
        click.echo(_("Saved {id} to {path}").format(id=document.id, path=written))


@click.command(
    "remove", cls=PapkaCommand,
    help=N_("Remove a document for good: its blocks are overwritten with random bytes. "
            "Asks first unless --yes is given."),
    epilog=N_("Examples:\n\n\b\n  papka remove 3f2a\n  papka remove 3f2a --yes"),
)
@click.argument("doc_id", metavar="ID")
@click.option("--yes", is_flag=True, help=N_("Do not ask for confirmation."))
@pass_config
def remove(config: Config, doc_id: str, yes: bool) -> None:
    with config.container(write=True) as container:
        compartment, document = config.find_document(container, doc_id)
        if not yes and not confirm(
                _("Remove {id} \"{title}\" for good?").format(id=document.id,
                                                              title=document.title)):
            raise CommandUsageError(_("Nothing was removed."))
        compartment.documents.remove(document.id)
    if config.json:
        print_json({"removed": document.id})
    else:
        click.echo(_("Document {id} was removed.").format(id=document.id))


@click.command(
    "note", cls=PapkaCommand,
    help=N_("Write a note (dates, places, names) straight into the container. The text is read "
            "from standard input, never from the command line, so it stays out of shell "
            "history; on a terminal, type it and finish with Ctrl-D."),
    epilog=N_("Examples:\n\n\b\n"
              "  papka note\n"
              "  papka note --tag timeline < notes.txt"),
)
@click.option("--title", metavar="TEXT",
              help=N_("The note's title (asked on a terminal when not given)."))
@click.option("--tag", "tags", multiple=True, metavar="TAG",
              help=N_("A tag; repeat for several."))
@click.option("--date", callback=_parse_date, metavar="YYYY-MM-DD",
              help=N_("The date the note is about."))
@pass_config
def note_command(config: Config, title: str | None, tags: tuple[str, ...],
                 date: datetime.date | None) -> None:
    stdin = sys.stdin
    if title is None and _asks_on_terminal(config):
        from .questions import ask_text

        title = ask_text(_("The note's title"))
    if not title:
        raise CommandUsageError(_("A note needs a title."),
                                hint=_("Give it with --title, or run `papka note` on a terminal "
                                       "to be asked for it."))
    if stdin.isatty():
        note(_("Type the note; finish with Ctrl-D on a line of its own."))
    text = stdin.read()
    if not text.strip():
        raise CommandUsageError(_("The note is empty; nothing was added."))
    with config.container(write=True) as container:
        compartment = config.compartment(container)
        document = compartment.documents.add_note(text, title=title, tags=tags,
                                                  **_present(date=date))
    if config.json:
        print_json({"added": [_document_json(document, compartment.level)]})
    else:
        click.echo(f"{document.id}  {document.title}")


COMMANDS: tuple[click.Command, ...] = (add, note_command, list_documents, show, edit, get,
                                       remove)
