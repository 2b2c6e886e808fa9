"""`papka demo`: papka's main job, shown end to end on fictional papers in a fresh folder.

Each step is one function in STEPS; a new capability (redaction, export) joins the demo by
adding its step function to the list.
"""

from __future__ import annotations

import shlex
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import click

from papka.errors import PapkaError

from .command import PapkaCommand
from .context import Config, pass_config
from .i18n import N_, _
from .output import Progress
from .problems import AlreadyTranslated, CommandUsageError
from .samples import DECOY, HIDDEN, SAMPLES, sample_file

if TYPE_CHECKING:
    from papka.vault import Container

DEMO_SIZE = 32 * 1024 * 1024
class DemoStepFailed(AlreadyTranslated, PapkaError):
    """A command the demo ran did not succeed; its own message was shown already."""

    def __init__(self, exit_code: int) -> None:
        super().__init__(_("The demo stopped because a step did not work; see the message "
                           "above."))
        self.exit_code = exit_code


def demo_passphrase() -> str:
    """Six random words, made as `papka passphrase` makes them (shown on screen, so the demo's
    passphrases protect nothing)."""
    from .passphrase_words import generate_passphrase

    return generate_passphrase()


@dataclass
class DemoRun:
    """What the steps share: the folder, the container, its passphrases, the documents' ids."""

    folder: Path
    work_factor: int
    decoy_passphrase: str = field(default_factory=demo_passphrase)
    hidden_passphrase: str = field(default_factory=demo_passphrase)
    ids: dict[str, str] = field(default_factory=dict)
    container: Container | None = None
    opened_with: tuple[str, ...] = ()
    session: Config | None = None

    @property
    def container_path(self) -> Path:
        return self.folder / "vault.papka"

    @property
    def papers(self) -> Path:
        return self.folder / "papers"

    def use(self, *passphrases: str) -> Config:
        """A session with the container opened by these passphrases (reopened only if needed)."""
        if self.container is None or self.opened_with != passphrases:
            self.close()
            from papka.vault import Container

            self.container = Container.open(self.container_path, list(passphrases),
                                            work_factor=self.work_factor)
            self.opened_with = passphrases
            self.session = Config(container_path=str(self.container_path),
                                  open_container_=self.container, work_factor=self.work_factor)
        assert self.session is not None
        return self.session

    def close(self) -> None:
        if self.container is not None:
            self.container.close()
            self.container = None
            self.session = None

    def run(self, session: Config, *words: str) -> None:
        """Show a command as the keeper would type it, then run it in the open session."""
        from .shell import run_words

        click.echo()
        click.secho("$ papka " + " ".join(shlex.quote(self.shown(w)) for w in words), bold=True)
        code = run_words(session, list(words))
        if code != 0:
            raise DemoStepFailed(code)

    def shown(self, word: str) -> str:
        # Paths inside the demo folder are shown relative to it, to keep the lines short.
        folder = str(self.folder) + "/"
        return word[len(folder):] if word.startswith(folder) else word


def say(text: str) -> None:
    click.echo()
    click.echo(click.wrap_text(text, 100))


def heading(text: str) -> None:
    click.echo()
    click.secho(text, bold=True, underline=True)


# -- the steps ----------------------------------------------------------------------------------

def step_create(run: DemoRun) -> None:
    heading(_("1. A container with a decoy compartment and a hidden one"))
    say(_("A container is one file of a fixed size that looks like random bytes. Its first "
          "compartment is the decoy: harmless papers you can show if you are forced to. A "
          "second compartment, with its own passphrase, holds the real papers; nothing shows "
          "that it exists."))
    click.echo()
    click.secho("$ papka -c vault.papka init --size 32M", bold=True)
    with Progress(_("Creating the container")) as progress:
        from papka.vault import Container

        Container.create(run.container_path, DEMO_SIZE, run.decoy_passphrase,
                         work_factor=run.work_factor, progress=progress)
    click.secho("$ papka -c vault.papka compartment add", bold=True)
    decoy = run.use(run.decoy_passphrase)
    assert decoy.open_container_ is not None
    decoy.open_container_.add_compartment(run.hidden_passphrase, work_factor=run.work_factor)
    run.close()
    say(_("The demo typed these passphrases for you. Real ones are never shown or written "
          "down next to the container; six random words are strong: `papka passphrase` or "
          "`papka init --generate` makes them."))
    click.echo(_("  decoy compartment:  {passphrase}").format(passphrase=run.decoy_passphrase))
    click.echo(_("  hidden compartment: {passphrase}").format(passphrase=run.hidden_passphrase))


def _add_samples(run: DemoRun, session: Config, where: str, level: Sequence[str]) -> None:
    for name, kind, title, tags, date, compartment in SAMPLES:
        if compartment != where:
            continue
        words = [*level, "add", str(run.papers / name), "--kind", kind, "--title", title]
        for tag in tags:
            words += ["--tag", tag]
        if date:
            words += ["--date", date]
        run.run(session, *words)
        found = session.open_container_.compartments if session.open_container_ else ()
        for compartment_ in found:
            for document in compartment_.documents.list():
                if document.filename == name:
                    run.ids[name] = document.id


def step_add_papers(run: DemoRun) -> None:
    heading(_("2. Adding papers"))
    say(_("Open the container with the hidden compartment's passphrase: it opens the decoy "
          "too, so both are protected while you write. `--level 0` puts a paper in the decoy; "
          "without it, papers go to the hidden compartment."))
    session = run.use(run.hidden_passphrase)
    _add_samples(run, session, DECOY, ["--level", "0"])
    _add_samples(run, session, HIDDEN, [])


def step_list(run: DemoRun) -> None:
    heading(_("3. Listing and searching"))
    session = run.use(run.hidden_passphrase)
    run.run(session, "list")
    run.run(session, "list", "--all")
    say(_("Search ignores case and ё/е, and finds Cyrillic words typed in Latin letters:"))
    run.run(session, "list", "повестка")
    run.run(session, "list", "povestka")
    run.run(session, "list", "--kind", "criminal-case", "--since", "2024-01-01")


def step_get(run: DemoRun) -> None:
    heading(_("4. Getting a paper back"))
    session = run.use(run.hidden_passphrase)
    doc_id = run.ids["criminal-case-excerpt.pdf"]
    run.run(session, "show", doc_id[:4])
    out = run.folder / "out"
    out.mkdir(exist_ok=True)
    run.run(session, "get", doc_id, "-o", str(out / "case.pdf"))


def step_decoy_view(run: DemoRun) -> None:
    heading(_("5. What the decoy passphrase shows"))
    say(_("Under pressure you give the decoy passphrase. It opens the decoy papers and "
          "nothing else; no one can tell whether another compartment exists."))
    session = run.use(run.decoy_passphrase)
    run.run(session, "list")
    run.run(session, "usage")
    run.close()


def step_redact(run: DemoRun) -> None:
    heading(_("4.1. Redacting a paper for an embassy"))
    say(_("An embassy needs the summons, but not the names and addresses in it. First look at "
          "what papka would black out: the preview pages go into a folder you name, and nothing "
          "is stored. This paper is born digital, so --no-ocr skips text recognition; leave it "
          "out for scans and photos."))
    session = run.use(run.hidden_passphrase)
    doc_id = run.ids["summons.pdf"]
    run.run(session, "redact", doc_id, "--no-ocr", "--preview", str(run.folder / "review"))
    say(_("When the boxes are right, store the redacted copy. The pages are redrawn as fresh "
          "pictures and checked: nothing under a box can be copied, searched or recovered. "
          "The copy is a new document made from the original, which stays as it is."))
    run.run(session, "redact", doc_id, "--no-ocr")


def step_export(run: DemoRun) -> None:
    heading(_("4.2. A signed, encrypted bundle for the lawyer"))
    say(_("The lawyer makes a key once and sends you the public part. (Here the demo makes it "
          "for him.)"))
    lawyer = Config()
    key = run.folder / "lawyer-key.txt"
    run.run(lawyer, "keygen", "-o", str(key))
    public = next(line.split(": ", 1)[1] for line in key.read_text().splitlines()
                  if line.startswith("# public key: "))
    session = run.use(run.hidden_passphrase)
    run.run(session, "recipients", "add", "lawyer", public)
    run.run(session, "export", "--select", run.ids["criminal-case-excerpt.pdf"], "--select",
            run.ids["summons.pdf"], "--to", "lawyer", "--sender", "Sparrow", "-o",
            str(run.folder / "for-lawyer.age"))
    run.run(session, "identity")
    say(_("The lawyer needs only his key file, not a container. He checks every hash and the "
          "signature, compares the fingerprint with you by phone, then opens the bundle (the "
          "standard `age` tool opens it too)."))
    run.run(lawyer, "bundle", "verify", str(run.folder / "for-lawyer.age"), "-i", str(key))
    run.run(lawyer, "bundle", "open", str(run.folder / "for-lawyer.age"), "-i", str(key), "-o",
            str(run.folder / "from-keeper"))


#: The demo, step by step. Redaction and export join as functions appended here.
STEPS: list[Callable[[DemoRun], None]] = [
    step_create, step_add_papers, step_list, step_get, step_redact, step_export, step_decoy_view,
]


def _prepare_folder(folder: Path | None) -> Path:
    if folder is None:
        return Path(tempfile.mkdtemp(prefix="papka-demo-"))
    if folder.exists() and any(folder.iterdir()):
        raise CommandUsageError(_("The demo needs a new or empty folder."),
                                hint=_("Give another folder with --folder, or leave it out."))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@click.command(
    "demo", cls=PapkaCommand,
    help=N_("Show what papka does, on fictional sample papers: a container with a decoy and a "
            "hidden compartment, adding, listing, searching and getting papers back, and what "
            "the decoy passphrase shows. Everything goes into a new folder whose name is "
            "printed; it holds only the fictional papers, so a plain folder is fine."),
    epilog=N_("Examples:\n\n\b\n  papka demo\n  papka --lang ru demo\n"
              "  papka demo --folder /tmp/papka-try"),
)
@click.option("--folder", type=click.Path(path_type=Path), metavar="PATH",
              help=N_("Where to put the demo (a new or empty folder); default: a new folder "
                      "in the temporary directory."))
@pass_config
def demo(config: Config, folder: Path | None) -> None:
    if config.open_container_ is not None:
        raise CommandUsageError(_("The demo does not run inside the shell."))
    run = DemoRun(folder=_prepare_folder(folder), work_factor=config.work_factor)
    click.secho(_("papka demo: fictional papers in {folder}").format(folder=run.folder),
                bold=True)
    say(_("This folder holds only the demo's fictional papers and a demo container, so it is "
          "a plain folder; delete it when you are done. Your real papers never go in a plain "
          "folder: papka keeps them in the container only."))
    run.papers.mkdir()
    for name, *_rest in SAMPLES:
        with sample_file(name).open("rb") as source, (run.papers / name).open("wb") as target:
            shutil.copyfileobj(source, target)
    try:
        for step in STEPS:
            step(run)
    finally:
        run.close()
    heading(_("Done"))
    say(_("Everything is in {folder}. Remove it with: rm -r {folder}").format(
        folder=shlex.quote(str(run.folder))))
    say(how_to_run_papka())


def how_to_run_papka(which: Callable[[str], str | None] = shutil.which) -> str:
    """How to type `papka` next time: `make demo` installs it only into .venv, which is not on
    the keeper's PATH."""
    if which("papka") is not None:
        return _("To use papka on your own papers, type `papka --help` to begin.")
    command = Path(sys.argv[0]).resolve() if sys.argv and sys.argv[0] else None
    if command is not None and command.name == "papka" and command.exists():
        return _("papka is not on your PATH yet: run it as {command} (for example "
                 "`{command} --help`), or install it for your user with `pipx install .` (or "
                 "`pip install .`) in papka's folder, and then type `papka`.").format(
                     command=shlex.quote(str(command)))
    return _("papka is not on your PATH yet: run `.venv/bin/papka` in papka's folder, or "
             "install it for your user with `pipx install .` (or `pip install .`) there, and "
             "then type `papka`.")


COMMANDS: tuple[click.Command, ...] = (demo,)
