"""The package installs from a checkout without symbolic links and imports without warnings."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import unavailable

REPOSITORY = Path(__file__).resolve().parent.parent


def test_the_command_line_and_the_library_import_with_warnings_as_errors() -> None:
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c",
         "import papka.cli.main, papka.vault, papka.formats.bundle, papka.formats, "
         "papka.exchange, papka.host, papka.media"],
        capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


@pytest.mark.slow
def test_a_checkout_without_links_builds_installs_and_passes_quick_tests() -> None:
    if shutil.which("git") is None or not (REPOSITORY / ".git").exists():
        unavailable("this test needs git and a git checkout (an unpacked sdist has none)")
    result = subprocess.run(
        [sys.executable, str(REPOSITORY / "packaging" / "check_checkout_without_links.py")],
        capture_output=True, text=True, timeout=900, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "OK: a checkout without links builds, installs (wheel, sdist, editable, strict " \
        "editable)" in result.stdout


def test_the_sdist_carries_docs_tests_data_and_the_licence_and_no_links(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c",
         "import sys; from setuptools import build_meta as b; print(b.build_sdist(sys.argv[1]))",
         str(tmp_path)],
        cwd=REPOSITORY, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    import tarfile

    with tarfile.open(next(tmp_path.glob("papka-*.tar.gz"))) as sdist:
        members = {m.name.split("/", 1)[1]: m for m in sdist.getmembers() if "/" in m.name}
        metadata = sdist.extractfile("papka-0.1.0/PKG-INFO")
        assert metadata is not None
        pkg_info = metadata.read().decode()
    for name in ("LICENSE", "docs/api.md", "docs/platforms.md", "requirements.lock",
                 "tests/bundle/cctv-age/README.md", "tests/conftest.py", "vault/storage.py",
                 "src/papka/host.py", "cli/locale/ru/LC_MESSAGES/papka.mo",
                 "formats/fonts/DejaVuSans.ttf", "packaging/papka.spec",
                 "vectors/container/vectors.json", "vectors/container/v1-0.1.0.papka.gz"):
        assert name in members, name
    assert any(name.startswith("tests/prove/corpus/") for name in members)
    assert not any(name.startswith(("src/papka/vault", "src/papka/cli", "src/papka/formats"))
                   for name in members)
    assert not any(m.issym() or m.islnk() for m in members.values())
    assert "License-Expression: Apache-2.0" in pkg_info
    assert "License-File: LICENSE" in pkg_info
    assert "Apache License" in (REPOSITORY / "LICENSE").read_text()
