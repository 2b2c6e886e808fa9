"""`papka disclose`: pages of an original for a court, tied to the bundle that was sent, and
`papka disclose --check`."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from click.testing import CliRunner

from tests.exchange.test_disclosure import PAGES, four_pages, mark

from .conftest import DECOY, Papka

LAWYER = "the lawyer's own vault words"


def _exported(decoy_only: Papka, workdir: Path, name: str = "sent.zip",
              passphrase: str = DECOY) -> tuple[str, str]:
    paper = workdir / "case.pdf"
    paper.write_bytes(four_pages())
    added = decoy_only("--json", "add", str(paper), "--kind", "criminal-case",
                       passphrases=[passphrase])
    assert added.exit_code == 0, added.output
    doc = json.loads(added.stdout)["added"][0]["id"]
    sent = decoy_only("--json", "export", "--select", doc, "--plain", "--sender", "Sparrow",
                      "-o", str(workdir / name), passphrases=[passphrase])
    assert sent.exit_code == 0, sent.output
    report = json.loads(sent.stdout)
    assert report["disclosable"] is True
    assert "read-only" not in sent.stderr      # the note is for a container papka cannot write
    return doc, report["manifest_sha256"]


def test_disclose_pages_then_check_them(decoy_only: Papka, workdir: Path) -> None:
    doc, manifest = _exported(decoy_only, workdir)
    target = workdir / "for-the-court.zip"
    made = decoy_only("disclose", doc, "--pages", "1,3", "--bundle", manifest[:8], "-o",
                      str(target), passphrases=[DECOY])
    assert made.exit_code == 0, made.output
    assert "page-0001, page-0003" in made.stdout and manifest in made.stdout
    assert "NOT encrypted" in made.stderr
    with zipfile.ZipFile(target) as archive:
        assert "page-0002.pdf" not in archive.namelist()
    data = target.read_bytes()
    assert mark(1) in data and mark(2) not in data
    checked = decoy_only("--json", "disclose", "--check", str(target), container=False)
    assert checked.exit_code == 0, checked.output
    report = json.loads(checked.stdout)
    assert report["verified"] is True and report["revealed"] == ["page-0001", "page-0003"]
    assert report["manifest_sha256"] == manifest and report["pages"] == PAGES
    # The same, spoken in Russian.
    russian = decoy_only("disclose", "--check", str(target), container=False,
                         env={"LANGUAGE": "ru"})
    assert russian.exit_code == 0 and "Раскрытие прошло проверку" in russian.stdout


def test_show_tells_what_was_committed_and_never_a_salt(decoy_only: Papka,
                                                       workdir: Path) -> None:
    doc, _manifest = _exported(decoy_only, workdir)
    shown = decoy_only("show", doc, passphrases=[DECOY])
    assert shown.exit_code == 0 and "pages: 4, and the whole file, when added" in shown.stdout
    as_json = decoy_only("--json", "show", doc, passphrases=[DECOY])
    data = json.loads(as_json.stdout)
    assert data["page_commitments"]["pages"] == PAGES
    assert data["page_commitments"]["made"] == "import"
    assert "commitments" not in data and len(as_json.stdout) < 2000


def test_disclose_refuses_with_one_sentence(decoy_only: Papka, workdir: Path) -> None:
    doc, _manifest = _exported(decoy_only, workdir)
    target = workdir / "x.zip"
    for args, words in (
            (["--pages", "9"], "no page with this number"),
            (["--pages", "1-x"], "numbers and ranges"),
            ([], "--pages"),
            (["--pages", "1", "--bundle", "ffffffff"], "manifest hash starting"),
    ):
        result = decoy_only("disclose", doc, *args, "-o", str(target), passphrases=[DECOY])
        assert result.exit_code == 1, result.output
        assert words in result.stderr and "papka: error:" in result.stderr
        assert not target.exists()
    russian = decoy_only("disclose", doc, "--pages", "9", "-o", str(target),
                         passphrases=[DECOY], env={"LANGUAGE": "ru"})
    assert russian.exit_code == 1 and "нет страницы" in russian.stderr


def test_a_tampered_disclosure_fails_the_check(decoy_only: Papka, workdir: Path) -> None:
    doc, _manifest = _exported(decoy_only, workdir)
    target = workdir / "d.zip"
    assert decoy_only("disclose", doc, "--pages", "2", "-o", str(target),
                      passphrases=[DECOY]).exit_code == 0
    data = bytearray(target.read_bytes())
    at = bytes(data).index(mark(2))
    data[at] ^= 1
    target.write_bytes(bytes(data))
    checked = decoy_only("disclose", "--check", str(target), container=False)
    assert checked.exit_code == 2
    assert "does not verify" in checked.stderr or "ZIP" in checked.stderr


def test_a_lawyer_checks_a_disclosure_against_the_key_he_pinned(decoy_only: Papka,
                                                                workdir: Path) -> None:
    doc, _manifest = _exported(decoy_only, workdir)
    lawyer = Papka(container=workdir / "lawyer.papka", runner=CliRunner())
    assert lawyer("init", "--size", "16M", new=LAWYER).exit_code == 0
    imported = lawyer("bundle", "import", str(workdir / "sent.zip"), passphrases=[LAWYER])
    assert imported.exit_code == 0, imported.output          # pins the keeper as Sparrow
    target = workdir / "court.zip"
    assert decoy_only("disclose", doc, "--pages", "1", "-o", str(target),
                      passphrases=[DECOY]).exit_code == 0
    checked = lawyer("--json", "disclose", "--check", str(target), passphrases=[LAWYER])
    assert checked.exit_code == 0, checked.output
    assert json.loads(checked.stdout)["pin"] == {"status": "pinned", "known_as": "Sparrow"}
    # Someone else's vault, signing as "Sparrow": the lawyer's pin catches it.
    impostor = Papka(container=workdir / "impostor.papka", runner=CliRunner())
    assert impostor("init", "--size", "16M", new="impostor words here").exit_code == 0
    other, _ = _exported(impostor, workdir, "impostor.zip", "impostor words here")
    fake = workdir / "fake.zip"
    assert impostor("disclose", other, "--pages", "1", "-o", str(fake),
                    passphrases=["impostor words here"]).exit_code == 0
    refused = lawyer("disclose", "--check", str(fake), passphrases=[LAWYER])
    assert refused.exit_code == 2
    assert "DIFFERENT key" in refused.stderr and "Sparrow" in refused.stderr
    unpinned = decoy_only("disclose", "--check", str(fake), container=False)
    assert unpinned.exit_code == 0 and "Compare the fingerprint" in unpinned.stderr
