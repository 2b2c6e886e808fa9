"""Forensics (THREAT-MODEL.md, "What leaves traces, and must not").

Every papka command runs as a real process over a container holding documents with canary
strings, with HOME, TMPDIR and the working folder pointed at fresh, empty folders, watched by
`strace -f` (every file opened for writing, created, renamed or removed; every byte written;
every program started and its arguments and environment). Then:

* nothing outside the container and the paths the keeper named was created or written,
  and nothing was left in HOME, TMPDIR or the working folder;
* no canary (a document's contents, its title, the strings to hide, a passphrase), in any of
  the encodings and search forms papka uses, appears in any byte written to a file other than
  the outputs the keeper asked for, in the container, in the arguments or environment of any
  program papka starts (tesseract, when redaction reads a scan), or (for passphrases) on the
  terminal.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from papka.output_files import partial_path
from papka.text import search_keys
from papka.vault import Container
from tests.bundle.protected_keys import ssh_key_with_passphrase
from tests.conftest import WEAK_PAPKA, require_tool
from tests.prove.figures import report

pytestmark = pytest.mark.timeout(600)

DECOY = "фраза-канарейка берёза окно 4417"
HIDDEN = "пароль-канарейка сосна дверь 9023"
CHANGED = "новая-канарейка полка чайник 5531"
KEY_PASS = "ключ-канарейка ель ручей 2718"          # a lawyer's OpenSSH key's passphrase
CONTENT = "Канарейкин Фёдор Палладиевич"       # a person's name inside the documents
TITLE = "Титул-канарейка-93"                   # metadata the keeper types on the command line
NOTE = "Заметка-канарейка: встреча 14.03"      # a note's text, given on stdin
LAWYER_AGE_KEY = "age1dlgujuexnex30x7svntzpafnjxdstrz63e0z3z352rauel62uv9syrw03e"

_ENCODINGS = ("utf-8", "utf-16-le", "utf-16-be", "cp1251", "koi8-r")
_WRITING_FLAGS = ("O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_APPEND")
_MODIFYING = {"mkdir", "mkdirat", "rename", "renameat", "renameat2", "unlink", "unlinkat",
              "rmdir", "link", "linkat", "symlink", "symlinkat", "creat", "truncate",
              "mknod", "mknodat", "chmod", "fchmodat", "utimensat"}
_WRITES = {"write", "pwrite64", "writev", "pwritev", "pwritev2"}
_QUOTED = re.compile(r'"((?:\\x[0-9a-f]{2})*)"')
_FD = re.compile(r"^(\d+)<([^>]*)>")


def forms(*texts: str) -> set[bytes]:
    """Every byte form a secret could take in a written file."""
    found: set[bytes] = set()
    for text in texts:
        words = {text, text.lower(), text.upper(), *search_keys(text)}
        for word in words:
            for encoding in _ENCODINGS:
                with contextlib.suppress(UnicodeEncodeError):
                    found.add(word.encode(encoding))
    return {f for f in found if len(f) >= 8}


def unhex(text: str) -> bytes:
    return bytes.fromhex(text.replace("\\x", ""))


@dataclass
class Observed:
    """What strace saw a command do, and what it broke."""

    command: str
    written_paths: set[str] = field(default_factory=set)
    children: list[tuple[list[bytes], list[bytes]]] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)


def _path_of(text: str) -> str:
    return unhex(text).decode("utf-8", "replace") if text.startswith("\\x") else text


def _resolved(args: str, cwd: Path) -> str:
    """The absolute path a *at() call names: relative paths against its directory fd (shown by
    strace -y) or the working folder."""
    path = _path_of(_QUOTED.search(args).group(1))  # type: ignore[union-attr]
    if path.startswith("/"):
        return path
    base = str(cwd)
    directory = _FD.match(args)
    if directory:
        base = _path_of(directory.group(2))
    return os.path.normpath(os.path.join(base, path))


def read_traces(folder: Path, command: str, secrets: set[bytes],
                allowed: list[Path], cwd: Path) -> Observed:
    observed = Observed(command)
    allowed_text = [str(p) for p in allowed]
    first_exec = True
    for trace in sorted(folder.glob("trace.*"), key=lambda p: int(p.suffix[1:])):
        for line in trace.read_text(errors="replace").splitlines():
            match = re.match(r"^(\w+)\((.*)\)\s+=\s+(-?\d+|\?)", line)
            if not match:
                continue
            name, args, result = match.groups()
            ok = result != "?" and not result.startswith("-")
            strings = [unhex(s) for s in _QUOTED.findall(args)]
            if name == "execve":
                if first_exec:
                    first_exec = False      # papka itself: its argv is what the keeper typed
                    continue
                argv = strings[1:]
                observed.children.append((argv, []))
                for secret in secrets:
                    if any(secret in s for s in strings):
                        observed.leaks.append(f"a canary in a child's argv or environment: "
                                              f"{strings[0]!r}")
                continue
            if name in _WRITES:
                fd = _FD.match(args)
                target = _path_of(fd.group(2)) if fd else ""
                if not target.startswith("/") or target.startswith(("/dev/", "pipe:")):
                    continue                # pipes and the terminal: checked on their own
                if any(target.startswith(a) for a in allowed_text):
                    continue
                for secret in secrets:
                    if any(secret in s for s in strings):
                        observed.leaks.append(f"a canary written to {target}")
                continue
            if not ok:
                continue
            if name in ("openat", "open"):
                if any(flag in args for flag in _WRITING_FLAGS) and strings:
                    observed.written_paths.add(_resolved(args, cwd))
            elif name in _MODIFYING and strings:
                observed.written_paths.add(_resolved(args, cwd))
    return observed


def canary_files(folder: Path) -> dict[str, Path]:
    """A text PDF and a scan (PNG) naming the canary person, and a hide-list."""
    from PIL import Image, ImageDraw, ImageFont
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    from papka.formats import fonts

    font_path = Path(fonts.__file__).parent / "DejaVuSans.ttf"
    pdfmetrics.registerFont(TTFont("DejaVu", str(font_path)))
    pdf = folder / "справка.pdf"
    page = canvas.Canvas(str(pdf))
    page.setFont("DejaVu", 14)
    page.drawString(72, 720, f"Справка выдана: {CONTENT}, 12.03.1990 г.р.")
    page.drawString(72, 690, "Проживает: г. Ростов-на-Дону, ул. Садовая, д. 5, кв. 12")
    page.save()
    scan = Image.new("L", (1400, 300), 255)
    draw = ImageDraw.Draw(scan)
    draw.text((40, 100), f"Повестка: {CONTENT}", fill=0,
              font=ImageFont.truetype(str(font_path), 48))
    png = folder / "повестка.png"
    scan.save(png)
    return {"pdf": pdf, "png": png}


class Session:
    """Runs papka commands under strace and keeps what they did."""

    def __init__(self, root: Path) -> None:
        self.strace = require_tool("strace")
        self.root = root
        self.home, self.tmp, self.cwd = (root / "home", root / "tmp", root / "cwd")
        self.named = root / "named"              # every path the keeper names lives here
        for folder in (self.home, self.tmp, self.cwd, self.named):
            folder.mkdir()
        self.container = self.named / "papers.papka"
        self.observed: list[Observed] = []
        self.secrets = forms(CONTENT, TITLE, NOTE, DECOY, HIDDEN, CHANGED, KEY_PASS)
        self.passphrases = forms(DECOY, HIDDEN, CHANGED, KEY_PASS)
        self.commands = 0

    def run(self, *args: str, passphrases: tuple[str, ...] = (), new: str | None = None,
            stdin: str = "", expect: int = 0, container: bool = True,
            program: tuple[str, ...] = (WEAK_PAPKA[1],)) -> str:
        traces = self.root / f"strace-{self.commands}"
        traces.mkdir()
        self.commands += 1
        fds: list[int] = []
        words = ["-c", str(self.container)] if container else []
        for flag, lines in (("--passphrase-fd", passphrases), ("--new-passphrase-fd",
                                                               (new,) if new else ())):
            if lines:
                read_end, write_end = os.pipe()
                os.write(write_end, "".join(f"{line}\n" for line in lines).encode())
                os.close(write_end)
                fds.append(read_end)
                words += [flag, str(read_end)]
        # PYTHONDONTWRITEBYTECODE: the interpreter's own bytecode caches of papka's code are
        # not papka's writing; everything else papka does is watched.
        env = {"HOME": str(self.home), "TMPDIR": str(self.tmp), "LANGUAGE": "en",
               "PATH": os.environ["PATH"],
               "PYTHONDONTWRITEBYTECODE": "1"}
        result = subprocess.run(
            [self.strace, "-f", "-ff", "-qq", "-xx", "-y", "-s", "65536", "-v",
             "-e", "trace=%file,write,pwrite64,writev,pwritev,pwritev2",
             "-o", str(traces / "trace"), sys.executable, *program, *words, *args],
            input=stdin.encode(), capture_output=True, cwd=self.cwd, env=env,
            pass_fds=tuple(fds), timeout=300)
        for fd in fds:
            os.close(fd)
        out, err = result.stdout.decode(errors="replace"), result.stderr.decode(errors="replace")
        assert result.returncode == expect, (args, result.returncode, out, err)
        observed = read_traces(traces, " ".join(args[:2]), self.secrets,
                               [self.named, Path("/dev/null"), Path("/dev/tty")], self.cwd)
        for secret in self.passphrases:
            if secret in result.stdout or secret in result.stderr:
                observed.leaks.append("a passphrase on the terminal")
        for folder in (self.home, self.tmp, self.cwd):
            left = list(folder.rglob("*"))
            if left:
                observed.leaks.append(f"left behind in {folder.name}: {len(left)} entries")
        self.observed.append(observed)
        return out


@pytest.mark.slow
def test_every_command_leaves_no_trace_outside_what_the_keeper_names(tmp_path: Path) -> None:
    require_tool("tesseract")
    session = Session(tmp_path)
    sources = session.named / "sources"
    sources.mkdir()
    files = canary_files(sources)
    hide = f"{CONTENT}\nСадовая\n"
    key_file = session.named / "lawyer-key.txt"
    out = session.named / "out"

    session.run("init", "--size", "24M", new=DECOY)
    session.run("compartment", "add", "--yes", passphrases=(DECOY,), new=HIDDEN)
    first = session.run("--json", "add", str(files["pdf"]), "--title", TITLE,
                        "--tag", "канарейка", passphrases=(HIDDEN,))
    pdf_id = re.findall(r'"id":\s*"([0-9a-f]+)"', first)[0]
    scan = session.run("--json", "add", str(files["png"]), "--kind", "summons",
                       passphrases=(HIDDEN,))
    scan_id = re.findall(r'"id":\s*"([0-9a-f]+)"', scan)[0]
    session.run("note", "--title", "встреча", stdin=NOTE, passphrases=(HIDDEN,))
    for command in (["list"], ["list", "--all"], ["show", pdf_id], ["usage"], ["check"],
                    ["kinds"], ["identity"], ["recipients"], ["profiles"]):
        session.run(*command, passphrases=(HIDDEN,))
    session.run("edit", pdf_id, "--note", TITLE, passphrases=(HIDDEN,))
    session.run("get", pdf_id, "-o", str(session.named / "copy.pdf"), passphrases=(HIDDEN,))
    session.run("get", pdf_id, "-o", "-", passphrases=(HIDDEN,))
    session.run("keygen", "-o", str(key_file), container=False)
    session.run("recipients", "add", "lawyer", LAWYER_AGE_KEY, passphrases=(HIDDEN,))
    session.run("detect", pdf_id, "--hide-file", "-", stdin=hide, passphrases=(HIDDEN,))
    session.run("detect", scan_id, "--ocr", passphrases=(HIDDEN,))
    session.run("redact", scan_id, "--hide-file", "-", "--ocr", "--preview",
                str(session.named / "preview"), "--store", stdin=hide, passphrases=(HIDDEN,))
    session.run("sanitize", pdf_id, passphrases=(HIDDEN,))
    public = key_file.read_text().split("public key: ")[-1].split()[0] \
        if "public key: " in key_file.read_text() else LAWYER_AGE_KEY
    out.mkdir()
    session.run("export", "--select", pdf_id, "--select", scan_id, "--to", public,
                "--hide-file", "-", "-o", str(out / "bundle.age"), stdin=hide,
                passphrases=(HIDDEN,))
    session.run("bundle", "verify", str(out / "bundle.age"), "-i", str(key_file),
                container=False)
    session.run("bundle", "verify", str(out / "bundle.age"), "-i", str(key_file),
                passphrases=(HIDDEN,))
    session.run("bundle", "open", str(out / "bundle.age"), "-i", str(key_file), "-o",
                str(out / "opened"), container=False)
    session.run("bundle", "import", str(out / "bundle.age"), "-i", str(key_file),
                passphrases=(HIDDEN,))
    # A lawyer whose OpenSSH key is protected by a passphrase: it comes on a descriptor and goes
    # nowhere else either.
    ssh_key, ssh_public = ssh_key_with_passphrase(session.named / "id_ed25519", "ed25519",
                                                  KEY_PASS)
    session.run("export", "--select", pdf_id, "--to", ssh_public, "-o", str(out / "ssh.age"),
                passphrases=(HIDDEN,))
    session.run("bundle", "verify", str(out / "ssh.age"), "-i", str(ssh_key),
                passphrases=(KEY_PASS,), container=False)
    # A page for a court: only the disclosure file named here is written.
    session.run("disclose", pdf_id, "--pages", "1", "-o", str(session.named / "court.zip"),
                passphrases=(HIDDEN,))
    session.run("disclose", "--check", str(session.named / "court.zip"), container=False)
    session.run("profiles", "add", "embassy-canary", "--preset", "hide-only", "--hide-file", "-",
                "--field", "date", stdin=hide, passphrases=(HIDDEN,))
    session.run("profiles", "remove", "embassy-canary", passphrases=(HIDDEN,))
    session.run("recipients", "remove", "lawyer", passphrases=(HIDDEN,))
    session.run("shell", stdin="list\nusage\nexit\n", passphrases=(HIDDEN,))
    session.run("passwd", passphrases=(HIDDEN,), new=CHANGED)
    session.run("remove", "--yes", pdf_id, passphrases=(CHANGED,))
    session.run("demo", "--folder", str(session.named / "demo"), container=False)
    container_bytes = session.container.read_bytes()
    # What the keeper exported and the lawyer opened carries none of the hidden strings either
    # (as bytes: that the pixels are clean is tests/formats' part).
    hidden_forms = forms(CONTENT, "Садовая")
    exported = [f for f in [out / "bundle.age", *(out / "opened").rglob("*")] if f.is_file()]
    assert len(exported) >= 5
    in_export = sorted({f.name for f in exported for s in hidden_forms if s in f.read_bytes()})
    session.run("panic", "--yes")

    named = str(session.named)
    outside = sorted({p for o in session.observed for p in o.written_paths
                      if not p.startswith(named) and p not in ("/dev/null", "/dev/tty")})
    leaks = [f"{o.command}: {leak}" for o in session.observed for leak in o.leaks]
    in_container = [s for s in session.secrets if s in container_bytes]
    children = sorted({os.path.basename(argv[0].decode(errors="replace"))
                       for o in session.observed for argv, _ in o.children if argv})
    report(tmp_path, "forensics", {
        "commands_run": session.commands, "paths_written_outside": len(outside),
        "canary_leaks": len(leaks) + len(in_container), "child_programs": children,
        "exported_files_with_hidden_strings": len(in_export),
        "canary_forms_searched": len(session.secrets)})
    made = {str(session.container), str(partial_path(session.container))}   # init's file ...
    assert made & session.observed[0].written_paths                     # ... the observer sees
    assert outside == [], outside
    assert leaks == [], leaks
    assert in_container == []
    assert in_export == [], in_export
    assert "tesseract" in children, "redaction never ran OCR: the child check saw nothing"


@pytest.mark.slow
def test_format_3_commands_leave_no_trace_outside_what_the_keeper_names(tmp_path: Path) -> None:
    """Format 3 (docs/FORMAT.md §10) under the same watch: a format 2 container converted
    (`upgrade`), hidden papers coded with ISA-L through pyeclib, a shell session whose end
    writes the plan and rebuilds, `check --repair`, and a container made in format 3."""
    session = Session(tmp_path)
    sources = session.named / "sources"
    sources.mkdir()
    files = canary_files(sources)
    session.run("init", "--size", "24M", new=DECOY)
    session.run("compartment", "add", "--yes", passphrases=(DECOY,), new=HIDDEN)
    session.run("add", str(files["pdf"]), "--title", TITLE, passphrases=(HIDDEN,))
    session.run("upgrade", "--yes", passphrases=(HIDDEN,))
    session.run("add", str(files["png"]), "--tag", TITLE, passphrases=(HIDDEN,))
    session.run("note", "--title", "встреча", stdin=NOTE, passphrases=(HIDDEN,))
    session.run("shell", stdin=f"--level 0 add {files['png']}\nlist\nexit\n",
                passphrases=(HIDDEN,))
    session.run("check", "--repair", passphrases=(HIDDEN,))
    session.run("usage", passphrases=(HIDDEN,))
    converted = session.container.read_bytes()
    session.container.unlink()
    session.run("init", "--size", "24M", "--format", "3", new=DECOY)
    session.run("compartment", "add", "--yes", passphrases=(DECOY,), new=HIDDEN)
    session.run("add", str(files["pdf"]), "--title", TITLE, passphrases=(HIDDEN,))
    session.run("passwd", passphrases=(HIDDEN,), new=CHANGED)
    made = session.container.read_bytes()
    session.run("panic", "--yes")

    named = str(session.named)
    outside = sorted({p for o in session.observed for p in o.written_paths
                      if not p.startswith(named) and p not in ("/dev/null", "/dev/tty")})
    leaks = [f"{o.command}: {leak}" for o in session.observed for leak in o.leaks]
    in_containers = [s for s in session.secrets if s in converted or s in made]
    report(tmp_path, "forensics_format_3", {
        "commands_run": session.commands, "paths_written_outside": len(outside),
        "canary_leaks": len(leaks) + len(in_containers),
        "canary_forms_searched": len(session.secrets)})
    assert session.commands == 14
    # The watched commands did write format 3: both containers open as such.
    for image, passphrase in ((converted, HIDDEN), (made, CHANGED)):
        copy = tmp_path / "format-3-copy.papka"
        copy.write_bytes(image)
        with Container.open(copy, [passphrase], writable=False) as box:
            assert box.format == 3 and [c.level for c in box.compartments] == [0, 1]
        copy.unlink()
    assert outside == [], outside
    assert leaks == [], leaks
    assert in_containers == []


LEAKY = f"""
import os, subprocess, sys
secret = {CONTENT!r}
with open(os.path.join(os.environ["TMPDIR"], "cache.txt"), "w", encoding="cp1251") as f:
    f.write("x " + secret)
os.makedirs(os.path.join(os.environ["HOME"], ".config", "papka"))
subprocess.run(["/bin/true", secret.lower()])
print(sys.stdin.readline())
"""


def test_the_observer_catches_every_kind_of_leak(tmp_path: Path) -> None:
    """The watcher itself can fail: a program that leaks in each way is caught each time."""
    session = Session(tmp_path)
    session.run(container=False, program=("-c", LEAKY), stdin=DECOY + "\n")
    observed = session.observed[0]
    assert any(p.endswith("cache.txt") for p in observed.written_paths)
    assert any(p.endswith("papka") and ".config" in p for p in observed.written_paths)
    assert {"a canary written to " + str(session.tmp / "cache.txt")} <= set(observed.leaks)
    assert any(leak.startswith("a canary in a child's argv") for leak in observed.leaks)
    assert "a passphrase on the terminal" in observed.leaks
    assert any(leak.startswith("left behind") for leak in observed.leaks)


def _all_commands() -> list[tuple[str, object]]:
    import click

    from papka.cli.main import cli

    found: list[tuple[str, object]] = [("papka", cli)]
    queue: list[tuple[str, click.Command]] = [("papka", cli)]
    while queue:
        name, command = queue.pop()
        if isinstance(command, click.Group):
            context = click.Context(command)
            for sub in command.list_commands(context):
                child = command.get_command(context, sub)
                if child is not None:
                    found.append((f"{name} {sub}", child))
                    queue.append((f"{name} {sub}", child))
    return found


def test_no_command_takes_a_passphrase_on_the_command_line_or_from_the_environment() -> None:
    """Passphrases come only on a file descriptor or from the terminal (THREAT-MODEL.md,
    Traces): no option carries one as its value, and no option reads one from a variable."""
    import click

    commands = _all_commands()
    assert len(commands) > 20
    offending = []
    for name, command in commands:
        for param in getattr(command, "params", []):
            if not isinstance(param, click.Option):
                continue
            words = " ".join(param.opts).lower()
            takes_value = not param.is_flag and param.type is not click.INT and \
                not isinstance(param.type, click.types.IntParamType)
            if ("pass" in words or "secret" in words) and takes_value:
                offending.append(f"{name} {words}")
            envvars = " ".join(param.envvar) if isinstance(param.envvar, list | tuple) \
                else str(param.envvar or "")
            if "PASS" in envvars.upper() or "SECRET" in envvars.upper():
                offending.append(f"{name} {words} (environment)")
    assert offending == []
