"""Check that a checkout made with symbolic links off (Windows' default) installs and works.

    python packaging/check_checkout_without_links.py [--from-lock] [--keep DIR]

Clones the repository's committed HEAD with ``core.symlinks=false`` (so src/papka/vault, cli
and formats become small text files, as on Windows), then, each in a fresh virtual
environment: builds and installs a wheel, installs an sdist built from the clone, and makes an
editable install in setuptools' default mode and in strict mode; in each it imports
papka.vault, papka.formats and papka.cli.main with warnings as errors and checks the code came
from that install. Last it runs a quick test subset from the clone against the wheel install.

The fresh environments take papka's dependencies from the environment running this script (a
path line, so nothing is downloaded); with ``--from-lock`` they install them from
requirements.lock with hashes instead, as a keeper's machine would (needs the package index or
pip's cache). Exits non-zero, naming the step, when anything fails.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
QUICK_TESTS = ["tests/test_host.py", "tests/test_text.py", "tests/test_api_doc.py",
               "tests/vault/test_container.py", "tests/cli/test_i18n.py"]
IMPORT_CHECK = (
    "import pathlib, sys, papka, papka.vault, papka.formats, papka.cli.main, papka.host;"
    "from papka.cli.samples import sample_file;"
    "assert sample_file('cv.pdf').read_bytes().startswith(b'%PDF');"
    "where = pathlib.Path(papka.vault.__file__).absolute();"
    "print(where)"
)


def run(step: str, command: list[str], **options: object) -> subprocess.CompletedProcess[str]:
    print(f"-- {step}: {' '.join(command)}", flush=True)
    result = subprocess.run(command, text=True, capture_output=True, check=False,
                            **options)  # type: ignore[call-overload]
    if result.returncode != 0:
        print(result.stdout[-4000:], result.stderr[-4000:], sep="\n", file=sys.stderr)
        raise SystemExit(f"FAILED: {step}")
    return result  # type: ignore[no-any-return]


def fresh_environment(folder: Path, *, from_lock: bool, source: Path) -> Path:
    run("make a virtual environment", [sys.executable, "-m", "venv", str(folder)])
    python = folder / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    if from_lock:
        run("install the locked dependencies",
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             "--require-hashes", "--no-deps", "-r", str(source / "requirements.lock")])
    else:
        site = run("find site-packages", [str(python), "-c",
                   "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip()
        # The environment's own setuptools would stand before ours, and may be too old for
        # the SPDX licence field; the build tools come from the lock like everything else.
        run("drop the bundled setuptools", [str(python), "-m", "pip", "uninstall", "--quiet",
                                            "--yes", "setuptools"])
        # Appended after the environment's own site-packages, so papka comes from the install.
        ours = sysconfig.get_paths()["purelib"]
        Path(site, "zz-dependencies.pth").write_text(ours + "\n")
    return python


def check_import(step: str, python: Path, expect_under: Path) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    where = run(step, [str(python), "-W", "error", "-c", IMPORT_CHECK], cwd=tempfile.gettempdir(),
                env=clean).stdout.strip()
    if not Path(where).is_relative_to(expect_under.absolute()):
        raise SystemExit(f"FAILED: {step}: papka.vault came from {where}, not {expect_under}")
    print(f"   papka.vault from {where}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--from-lock", action="store_true")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    arguments = parser.parse_args()
    work = arguments.keep or Path(tempfile.mkdtemp(prefix="papka-nolinks-"))
    work.mkdir(parents=True, exist_ok=True)
    clone = work / "clone"
    run("clone with links off",
        ["git", "clone", "--quiet", "-c", "core.symlinks=false", str(REPOSITORY), str(clone)])
    for name in ("vault", "cli", "formats"):
        if (clone / "src" / "papka" / name).is_dir():
            raise SystemExit(f"FAILED: src/papka/{name} is still a folder in the clone")

    python = fresh_environment(work / "wheel-env", from_lock=arguments.from_lock, source=clone)
    run("build a wheel", [str(python), "-m", "pip", "wheel", "--quiet", "--no-deps",
                          "--no-build-isolation", "-w", str(work / "dist"), str(clone)])
    wheel = next((work / "dist").glob("papka-*.whl"))
    run("install the wheel", [str(python), "-m", "pip", "install", "--quiet", "--no-deps",
                              str(wheel)])
    check_import("import from the wheel", python, work / "wheel-env")

    sdist_python = fresh_environment(work / "sdist-env", from_lock=arguments.from_lock,
                                     source=clone)
    run("build an sdist", [str(sdist_python), "-c",
                           "import sys; from setuptools import build_meta as b;"
                           "print(b.build_sdist(sys.argv[1]))", str(work / "sdist")], cwd=clone)
    sdist = next((work / "sdist").glob("papka-*.tar.gz"))
    run("install the sdist", [str(sdist_python), "-m", "pip", "install", "--quiet", "--no-deps",
                              "--no-build-isolation", str(sdist)])
    check_import("import from the sdist install", sdist_python, work / "sdist-env")

    editable_python = fresh_environment(work / "editable-env", from_lock=arguments.from_lock,
                                        source=clone)
    run("editable install", [str(editable_python), "-m", "pip", "install", "--quiet",
                             "--no-deps", "--no-build-isolation", "-e", str(clone)])
    check_import("import from the editable install", editable_python, clone / "vault")

    strict_python = fresh_environment(work / "strict-env", from_lock=arguments.from_lock,
                                      source=clone)
    run("strict editable install", [str(strict_python), "-m", "pip", "install", "--quiet",
                                    "--no-deps", "--no-build-isolation", "-e", str(clone),
                                    "--config-settings", "editable_mode=strict"])
    check_import("import from the strict editable install", strict_python, clone / "build")

    result = run("quick tests from the clone, against the wheel",
                 [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x",
                  *QUICK_TESTS], cwd=clone)
    print(result.stdout.strip().splitlines()[-1])
    print("OK: a checkout without links builds, installs (wheel, sdist, editable, strict "
          "editable) and passes "
          + ", ".join(QUICK_TESTS))


if __name__ == "__main__":
    main()
