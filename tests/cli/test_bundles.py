"""The bundle commands: export, keygen, identity, recipients, profiles, bundle verify/open/import,
with the standard `age`, `tar` and `ssh-keygen` tools on the other side."""

from __future__ import annotations

import io
import json
import os
import subprocess
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from papka.formats.bundle import SigningKey
from tests.bundle.craft import encrypt_to, manifest_tree, member, signed_members, snapshot, tar_of
from tests.conftest import WEAK_PAPKA, require_tool

from .conftest import DECOY, Papka, passphrase_pipe

PAPKA = WEAK_PAPKA
LAWYER_VAULT = "lawyer's own vault words"


def run(args: Sequence[str], *, passphrases: Sequence[str] = (), new: str | None = None,
        cwd: Path | None = None, language: str = "en") -> subprocess.CompletedProcess[bytes]:
    """The real `papka` in a subprocess, passphrases on inherited descriptors."""
    fds: list[int] = []
    prefix: list[str] = []
    if passphrases:
        fds.append(passphrase_pipe(*passphrases))
        prefix += ["--passphrase-fd", str(fds[-1])]
    if new is not None:
        fds.append(passphrase_pipe(new))
        prefix += ["--new-passphrase-fd", str(fds[-1])]
    try:
        return subprocess.run([*PAPKA, *prefix, *args], pass_fds=fds, capture_output=True,
                              env={**os.environ, "LANGUAGE": language}, cwd=cwd, timeout=180,
                              check=False)
    finally:
        for fd in fds:
            os.close(fd)


@pytest.fixture
def keeper(decoy_only: Papka, workdir: Path) -> tuple[Papka, list[str]]:
    """A keeper's container with two papers; returns the runner and the papers' ids."""
    ids = []
    for name, kind, body in (("case.pdf", "criminal-case", b"%PDF-1.4 case file\n" * 300),
                             ("summons.pdf", "summons", b"%PDF-1.4 summons\n" * 40)):
        path = workdir / name
        path.write_bytes(body)
        added = decoy_only("--json", "add", str(path), "--kind", kind, "--tag", "lawyer",
                           passphrases=[DECOY])
        assert added.exit_code == 0, added.output
        ids.append(json.loads(added.stdout)["added"][0]["id"])
    return decoy_only, ids


def keygen(workdir: Path, name: str = "key.txt") -> tuple[Path, str]:
    made = run(["keygen", "-o", str(workdir / name)])
    assert made.returncode == 0, made.stderr
    return workdir / name, made.stdout.decode().strip()


def test_keygen_makes_a_private_file_and_never_overwrites(workdir: Path) -> None:
    key, public = keygen(workdir)
    assert public.startswith("age1")
    assert key.stat().st_mode & 0o777 == 0o600
    text = key.read_text()
    assert f"# public key: {public}" in text and "AGE-SECRET-KEY-1" in text
    again = run(["keygen", "-o", str(key)])
    assert again.returncode == 1 and b"already exists" in again.stderr
    assert key.read_text() == text


def test_exported_bundle_opens_with_age_tar_and_ssh_keygen(keeper: tuple[Papka, list[str]],
                                                           workdir: Path) -> None:
    age, tar, ssh_keygen = require_tool("age"), require_tool("tar"), require_tool("ssh-keygen")
    papka, ids = keeper
    key, public = keygen(workdir)
    bundle = workdir / "for-lawyer.age"
    made = run(["-c", str(papka.container), "export", "--select", "tag:lawyer", "--to", public,
                "--sender", "Sparrow", "-o", str(bundle)], passphrases=[DECOY])
    assert made.returncode == 0, made.stderr
    out = workdir / "by-hand"
    out.mkdir()
    plain = subprocess.run([age, "-d", "-i", str(key), str(bundle)], capture_output=True,
                           check=True).stdout
    subprocess.run([tar, "x"], input=plain, cwd=out, check=True)
    manifest = json.loads((out / "manifest.json").read_bytes())
    assert len(manifest["files"]) == 2 and manifest["sender"] == "Sparrow"
    import hashlib

    for entry in manifest["files"]:
        assert hashlib.sha256((out / entry["name"]).read_bytes()).hexdigest() == entry["sha256"]
    (workdir / "allowed_signers").write_text(f"Sparrow {manifest['signer']}\n")
    checked = subprocess.run(
        [ssh_keygen, "-Y", "verify", "-f", str(workdir / "allowed_signers"), "-I", "Sparrow",
         "-n", "papka-bundle-v1", "-s", str(out / "manifest.json.sig")],
        input=(out / "manifest.json").read_bytes(), capture_output=True, check=False)
    assert checked.returncode == 0, checked.stderr
    # The same signer line is what `papka identity` shows the keeper.
    shown = papka("--json", "identity", passphrases=[DECOY])
    assert json.loads(shown.stdout)["public_key"] == manifest["signer"]
    with_qr = papka("identity", "--qr", passphrases=[DECOY])
    assert json.loads(shown.stdout)["fingerprint"] in with_qr.stdout
    assert "█" in with_qr.stdout or "▀" in with_qr.stdout
    # ...and a changed manifest does not verify with the standard tool.
    tampered = (out / "manifest.json").read_bytes().replace(b"Sparrow", b"Sparrov")
    refused = subprocess.run(
        [ssh_keygen, "-Y", "verify", "-f", str(workdir / "allowed_signers"), "-I", "Sparrow",
         "-n", "papka-bundle-v1", "-s", str(out / "manifest.json.sig")],
        input=tampered, capture_output=True, check=False)
    assert refused.returncode != 0


def _listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_export_verify_open_round_trip_in_subprocesses(keeper: tuple[Papka, list[str]],
                                                       workdir: Path) -> None:
    papka, ids = keeper
    home, tmp = Path(os.environ["HOME"]), Path(os.environ["TMPDIR"])
    before = (_listing(home), _listing(tmp))
    key, public = keygen(workdir)
    bundle = workdir / "b.age"
    made = run(["-c", str(papka.container), "--json", "export", "--select", ids[1], "--select",
                ids[0], "--to", public, "-o", str(bundle)], passphrases=[DECOY])
    assert made.returncode == 0, made.stderr
    exported = json.loads(made.stdout)
    assert {d["id"] for d in exported["documents"]} == set(ids)
    keyless = run(["bundle", "verify", str(bundle)])
    assert keyless.returncode == 1
    assert b"no key was given" in keyless.stderr and b"-i FILE" in keyless.stderr
    checked = run(["--json", "bundle", "verify", str(bundle), "-i", str(key)])
    assert checked.returncode == 0, checked.stderr
    report = json.loads(checked.stdout)
    assert report["verified"] and report["manifest_sha256"] == exported["manifest_sha256"]
    assert report["pin"] is None
    out = workdir / "opened"
    opened = run(["bundle", "open", str(bundle), "-i", str(key), "-o", str(out)])
    assert opened.returncode == 0, opened.stderr
    assert b"verifies" in opened.stdout
    names = {p.name[3:]: p for p in (out / "files").iterdir()}
    assert sorted(names) == ["criminal-case.pdf", "summons.pdf"]
    assert names["criminal-case.pdf"].read_bytes() == b"%PDF-1.4 case file\n" * 300
    # Nothing but the bundle and the opened folder was written: no temporary file, no cache.
    assert (_listing(home), _listing(tmp)) == before


def test_a_bundle_rewrapped_by_the_age_tool_opens_with_papka(keeper: tuple[Papka, list[str]],
                                                             workdir: Path) -> None:
    age = require_tool("age")
    papka, ids = keeper
    key, public = keygen(workdir)
    made = papka("export", "--select", ids[0], "--to", public, "-o", str(workdir / "b.age"),
                 passphrases=[DECOY])
    assert made.exit_code == 0, made.output
    inner = subprocess.run([age, "-d", "-i", str(key), str(workdir / "b.age")],
                           capture_output=True, check=True).stdout
    subprocess.run([age, "-r", public, "-o", str(workdir / "by-age.age")], input=inner,
                   check=True)
    checked = run(["bundle", "verify", str(workdir / "by-age.age"), "-i", str(key)])
    assert checked.returncode == 0, checked.stderr


@pytest.mark.slow
def test_passphrase_bundle_round_trip(keeper: tuple[Papka, list[str]], workdir: Path) -> None:
    papka, ids = keeper
    bundle = workdir / "p.age"
    made = run(["-c", str(papka.container), "export", "--select", ids[1],
                "--passphrase-recipient", "-o", str(bundle)],
               passphrases=[DECOY], new="a bundle passphrase of five words")
    assert made.returncode == 0, made.stderr
    wrong = run(["bundle", "verify", str(bundle)], passphrases=["not the passphrase"])
    assert wrong.returncode == 1, wrong.stderr
    right = run(["bundle", "open", str(bundle), "-o", str(workdir / "out")],
                passphrases=["a bundle passphrase of five words"])
    assert right.returncode == 0, right.stderr
    assert (workdir / "out" / "files" / "01-summons.pdf").read_bytes() == \
        b"%PDF-1.4 summons\n" * 40


def test_plain_export_warns_and_still_verifies(keeper: tuple[Papka, list[str]],
                                               workdir: Path) -> None:
    papka, ids = keeper
    made = papka("export", "--select", ids[1], "--plain", "-o", str(workdir / "b.zip"),
                 passphrases=[DECOY])
    assert made.exit_code == 0, made.output
    assert "NOT encrypted" in made.stderr
    assert zipfile.is_zipfile(workdir / "b.zip")
    checked = papka("bundle", "verify", str(workdir / "b.zip"), container=False)
    assert checked.exit_code == 0, checked.output
    assert "not encrypted" in checked.stderr
    both = papka("export", "--select", ids[1], "--plain", "--to", "lawyer", "-o",
                 str(workdir / "c.zip"), passphrases=[DECOY])
    assert both.exit_code == 1 and not (workdir / "c.zip").exists()
    # Armour is for age files; a plain ZIP is refused rather than written unarmoured.
    armoured = papka("export", "--select", ids[1], "--plain", "--armor", "-o",
                     str(workdir / "d.zip"), passphrases=[DECOY])
    assert armoured.exit_code == 1 and "--armor" in armoured.stderr
    assert not (workdir / "d.zip").exists()


def test_lawyer_export_warns_about_a_photo_with_gps_and_can_strip_it(
        decoy_only: Papka, workdir: Path) -> None:
    from PIL import Image

    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (56.0, 51.0, 31.0), 3: "E", 4: (35.0, 55.0, 3.0)}
    photo = workdir / "photo.jpg"
    Image.new("RGB", (64, 48), "white").save(photo, format="JPEG", exif=exif.tobytes())
    added = decoy_only("--json", "add", str(photo), "--kind", "photo", passphrases=[DECOY])
    assert added.exit_code == 0, added.output
    doc = json.loads(added.stdout)["added"][0]["id"]
    made = decoy_only("--json", "export", "--select", doc, "--plain", "-o",
                      str(workdir / "a.zip"), passphrases=[DECOY])
    assert made.exit_code == 0, made.output
    [entry] = json.loads(made.stdout)["documents"]
    assert entry["sent_as"] == "original" and entry["carries"] == ["GPS position"]
    assert "unchanged original" in made.stderr and "--strip-image-metadata" in made.stderr
    russian = decoy_only("--lang", "ru", "export", "--select", doc, "--plain", "-o",
                         str(workdir / "r.zip"), passphrases=[DECOY])
    assert russian.exit_code == 0, russian.output
    assert "координаты GPS" in russian.stderr and "оригинал" in russian.stderr
    stripped = decoy_only("--json", "export", "--select", doc, "--plain",
                          "--strip-image-metadata", "-o", str(workdir / "b.zip"),
                          passphrases=[DECOY])
    assert stripped.exit_code == 0, stripped.output
    assert json.loads(stripped.stdout)["documents"][0]["sent_as"] == "metadata stripped"
    assert "copy without its metadata" in stripped.stderr


def test_recipients_by_name_and_the_address_book(keeper: tuple[Papka, list[str]],
                                                 workdir: Path) -> None:
    papka, ids = keeper
    key, public = keygen(workdir)
    assert papka("recipients", "add", "адвокат", public, passphrases=[DECOY]).exit_code == 0
    listed = papka("--json", "recipients", "list", passphrases=[DECOY])
    assert json.loads(listed.stdout)["recipients"] == {"адвокат": public}
    made = papka("export", "--select", ids[0], "--to", "адвокат", "-o", str(workdir / "b.age"),
                 passphrases=[DECOY])
    assert made.exit_code == 0, made.output
    assert papka("bundle", "verify", str(workdir / "b.age"), "-i", str(key),
                 container=False).exit_code == 0
    unknown = papka("export", "--select", ids[0], "--to", "nobody", "-o", str(workdir / "c.age"),
                    passphrases=[DECOY])
    assert unknown.exit_code == 1 and not (workdir / "c.age").exists()
    bad_key = papka("recipients", "add", "x", "age1notakey", passphrases=[DECOY])
    assert bad_key.exit_code == 1
    assert papka("recipients", "remove", "адвокат", passphrases=[DECOY]).exit_code == 0
    assert json.loads(papka("--json", "recipients", passphrases=[DECOY]).stdout)[
        "recipients"] == {}


def _lawyer(workdir: Path) -> Papka:
    lawyer = Papka(container=workdir / "lawyer.papka", runner=CliRunner())
    assert lawyer("init", "--size", "16M", new=LAWYER_VAULT).exit_code == 0
    return lawyer


def test_pinning_same_sender_twice_and_a_changed_key(keeper: tuple[Papka, list[str]],
                                                     workdir: Path) -> None:
    papka, ids = keeper
    key, public = keygen(workdir)
    lawyer = _lawyer(workdir)
    for name in ("one.age", "two.age"):
        made = papka("export", "--select", ids[1], "--to", public, "--sender", "Sparrow", "-o",
                     str(workdir / name), passphrases=[DECOY])
        assert made.exit_code == 0, made.output
    first = lawyer("--json", "bundle", "verify", str(workdir / "one.age"), "-i", str(key),
                   passphrases=[LAWYER_VAULT])
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["pin"]["status"] == "new"
    second = lawyer("--json", "bundle", "verify", str(workdir / "two.age"), "-i", str(key),
                    passphrases=[LAWYER_VAULT])
    assert json.loads(second.stdout)["pin"] == {"status": "pinned", "known_as": "Sparrow"}

    # Someone else, with another vault (another key), signs as "Sparrow".
    impostor = Papka(container=workdir / "impostor.papka", runner=CliRunner())
    assert impostor("init", "--size", "16M", new="impostor words here").exit_code == 0
    (workdir / "fake.pdf").write_bytes(b"%PDF-1.4 fake")
    assert impostor("add", str(workdir / "fake.pdf"), passphrases=["impostor words here"]
                    ).exit_code == 0
    fake = impostor("export", "--select", "all", "--to", public, "--sender", "Sparrow", "-o",
                    str(workdir / "fake.age"), passphrases=["impostor words here"])
    assert fake.exit_code == 0, fake.output
    out = workdir / "fake-out"
    warned = lawyer("bundle", "open", str(workdir / "fake.age"), "-i", str(key), "-o", str(out),
                    passphrases=[LAWYER_VAULT])
    assert warned.exit_code == 2
    assert "DIFFERENT key" in warned.stderr and not out.exists()
    refused = lawyer("bundle", "import", str(workdir / "fake.age"), "-i", str(key),
                     passphrases=[LAWYER_VAULT])
    assert refused.exit_code == 2 and "DIFFERENT key" in refused.stderr
    assert json.loads(lawyer("--json", "list", passphrases=[LAWYER_VAULT]).stdout)[
        "documents"] == []
    still = lawyer("--json", "recipients", "list", passphrases=[LAWYER_VAULT])
    assert len(json.loads(still.stdout)["signers"]["Sparrow"]) == 1
    accepted = lawyer("bundle", "verify", str(workdir / "fake.age"), "-i", str(key),
                      "--accept-new-key", passphrases=[LAWYER_VAULT])
    assert accepted.exit_code == 0, accepted.output
    now = lawyer("--json", "bundle", "verify", str(workdir / "fake.age"), "-i", str(key),
                 passphrases=[LAWYER_VAULT])
    assert json.loads(now.stdout)["pin"]["status"] == "pinned"
    # The old key is the one replaced, so the real Sparrow's bundle now warns.
    old = lawyer("bundle", "verify", str(workdir / "one.age"), "-i", str(key),
                 passphrases=[LAWYER_VAULT])
    assert old.exit_code == 2


def test_import_into_a_lawyers_vault(keeper: tuple[Papka, list[str]], workdir: Path) -> None:
    papka, ids = keeper
    key, public = keygen(workdir)
    lawyer = _lawyer(workdir)
    made = papka("export", "--select", "tag:lawyer", "--to", public, "--sender", "Sparrow", "-o",
                 str(workdir / "b.age"), passphrases=[DECOY])
    assert made.exit_code == 0, made.output
    imported = lawyer("--json", "bundle", "import", str(workdir / "b.age"), "-i", str(key),
                      "--tag", "sparrow", passphrases=[LAWYER_VAULT])
    assert imported.exit_code == 0, imported.output
    new_ids = json.loads(imported.stdout)["imported"]
    listed = json.loads(lawyer("--json", "list", passphrases=[LAWYER_VAULT]).stdout)["documents"]
    assert sorted(d["id"] for d in listed) == sorted(new_ids)
    assert all("sparrow" in d["tags"] and d["derivation"]["action"] == "imported"
               for d in listed)
    no_container = papka("bundle", "import", str(workdir / "b.age"), "-i", str(key),
                         container=False)
    assert no_container.exit_code == 1


def test_a_profile_that_redacts_refuses_a_video(keeper: tuple[Papka, list[str]],
                                                workdir: Path) -> None:
    papka, _ids = keeper
    video = workdir / "clip.mp4"
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 5000)
    added = papka("--json", "add", str(video), "--kind", "video", passphrases=[DECOY])
    video_id = json.loads(added.stdout)["added"][0]["id"]
    key, public = keygen(workdir)
    refused = papka("export", "--select", video_id, "--to", public, "--profile", "embassy",
                    "-o", str(workdir / "e.age"), passphrases=[DECOY])
    assert refused.exit_code == 1
    assert video_id in refused.stderr and "cannot redact" in refused.stderr
    assert not (workdir / "e.age").exists()


def test_embassy_export_from_the_command_line_hides_the_canary(decoy_only: Papka,
                                                               workdir: Path) -> None:
    from papka.formats.verify import verify
    from tests.exchange.test_export import CANARY, canary_pdf

    (workdir / "summons.pdf").write_bytes(canary_pdf())
    added = decoy_only("--json", "add", str(workdir / "summons.pdf"), "--kind", "summons",
                       passphrases=[DECOY])
    doc_id = json.loads(added.stdout)["added"][0]["id"]
    (workdir / "hide.txt").write_text(CANARY + "\n", encoding="utf-8")
    key, public = keygen(workdir)
    made = decoy_only("export", "--select", doc_id, "--to", public, "--profile", "embassy",
                      "--hide-file", str(workdir / "hide.txt"), "-o", str(workdir / "e.age"),
                      passphrases=[DECOY])
    assert made.exit_code == 0, made.output
    assert CANARY not in made.output
    opened = decoy_only("bundle", "open", str(workdir / "e.age"), "-i", str(key), "-o",
                        str(workdir / "out"), container=False)
    assert opened.exit_code == 0, opened.output
    data = (workdir / "out" / "files" / "01-summons.pdf").read_bytes()
    assert verify(data, "application/pdf", [CANARY], ocr=True).ok
    from pdfminer.high_level import extract_text

    assert CANARY.split()[0] not in extract_text(io.BytesIO(data))


# --- hostile bundles through the command ---------------------------------------------------------

DOC = b"%PDF-1.7 a summons " * 50


def _hostile(signer: SigningKey, public: str) -> dict[str, tuple[bytes, int]]:
    good_tar = tar_of([member("files/01-summons.pdf", DOC),
                       *signed_members(signer, manifest_tree(signer,
                                                             [("files/01-summons.pdf", DOC)]))])
    good = encrypt_to(public, good_tar)
    altered = bytearray(good)
    altered[len(altered) // 2] ^= 0x20
    tree = manifest_tree(signer, [("files/01-summons.pdf", DOC)])
    tree["files"][0]["title"] = "Повестка (изменена)"
    from papka.formats.bundle.manifest import canonical_json

    unsigned_manifest = canonical_json(tree)
    resigned = signed_members(signer, manifest_tree(signer, [("files/01-summons.pdf", DOC)]))
    altered_manifest = tar_of([member("files/01-summons.pdf", DOC),
                               member("manifest.json", unsigned_manifest), *resigned[1:]])

    def escaping(name: str) -> bytes:
        return encrypt_to(public, tar_of([member(name, b"owned"), *signed_members(
            signer, manifest_tree(signer, [("files/01-summons.pdf", DOC)]))]))

    import tarfile

    many = tar_of([member(f"files/{n:05d}-a.pdf", b"") for n in range(1, 10_010)])
    return {
        "truncated": (good[: len(good) - 100], 2),
        "altered byte": (bytes(altered), 2),
        "altered manifest": (encrypt_to(public, altered_manifest), 2),
        "dot-dot": (escaping("../../x"), 2),
        "absolute": (escaping("/tmp/papka-owned"), 2),
        "symlink": (encrypt_to(public, tar_of([member("files/01-summons.pdf", kind=tarfile.SYMTYPE,
                                                      linkname="/etc/passwd")])), 2),
        "duplicate": (encrypt_to(public, tar_of([member("files/01-summons.pdf", DOC),
                                                 member("files/01-summons.pdf", DOC)])), 2),
        "millions of entries": (encrypt_to(public, many), 2),
        "oversize manifest": (encrypt_to(public, tar_of([member(
            "manifest.json", b"", size=9 * 2**20)])), 2),
        "not a bundle": (b"%PDF-1.7 this is not a bundle", 1),
        "manifest naming dot-dot": (encrypt_to(public, tar_of([
            member("files/01-summons.pdf", DOC),
            *signed_members(signer, manifest_tree(signer, [("../../x", DOC)]))])), 2),
        "decompression bomb": (_zip_bomb(), 2),
    }


def _zip_bomb() -> bytes:
    """A plain (ZIP) bundle whose document is 64 MiB of zeros deflated to a few kilobytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("files/01-summons.pdf", "w") as member_file:
            for _ in range(64):
                member_file.write(bytes(2**20))
        archive.writestr("manifest.json", b"{}")
    return out.getvalue()


def test_hostile_bundles_get_clear_errors_and_write_nothing(workdir: Path) -> None:
    key, public = keygen(workdir)
    other_key, other_public = keygen(workdir, "other.txt")
    signer = SigningKey.generate()
    cases = _hostile(signer, public)
    cases["wrong key"] = (encrypt_to(other_public, b"\0" * 1024), 1)
    runner = Papka(container=workdir / "none.papka", runner=CliRunner())
    for label, (data, code) in cases.items():
        area = workdir / label.replace(" ", "-")
        area.mkdir()
        (area / "bundle.age").write_bytes(data)
        before = snapshot(area)
        for force in ((), ("--force",)):
            result = runner("bundle", "open", str(area / "bundle.age"), "-i", str(key), "-o",
                            str(area / "out"), *force, container=False)
            assert result.exit_code in (1, 2), (label, result.output)
            assert "papka: error:" in result.stderr, label
            assert "Traceback" not in result.output
            if not force:
                assert result.exit_code == code, (label, result.stderr)
                assert snapshot(area) == before, label
            else:
                # --force may keep what arrived intact inside the folder, never anything outside.
                outside = {k: v for k, v in snapshot(area).items() if not k.startswith("out")}
                assert outside == before, label
        verified = runner("bundle", "verify", str(area / "bundle.age"), "-i", str(key),
                          container=False)
        assert verified.exit_code == code, (label, verified.stderr)
    assert not Path("/tmp/papka-owned").exists()


def test_terminal_output_of_a_hostile_title_is_defused() -> None:
    from papka.cli.output import shown

    assert shown("Повестка\x1b[2J\u009b31m") == "Повестка?[2J?31m"


def test_a_passphrase_bundle_is_recognised_binary_or_armoured(workdir: Path) -> None:
    import base64

    from papka.cli.bundle_keys import needs_passphrase as _needs_passphrase

    header = b"age-encryption.org/v1\n-> scrypt c2FsdHNhbHRzYWx0c2FsdA 18\n" + b"x" * 80
    (workdir / "binary.age").write_bytes(header)
    text = base64.b64encode(header)
    lines = b"\r\n".join(text[i:i + 64] for i in range(0, len(text), 64))
    (workdir / "armoured.age").write_bytes(b"\n -----BEGIN AGE ENCRYPTED FILE-----\r\n" + lines)
    (workdir / "x25519.age").write_bytes(b"age-encryption.org/v1\n-> X25519 abc\n")
    assert _needs_passphrase(workdir / "binary.age")
    assert _needs_passphrase(workdir / "armoured.age")
    assert not _needs_passphrase(workdir / "x25519.age")


def test_profiles_of_ones_own_are_kept_and_never_show_their_hide_list(
        keeper: tuple[Papka, list[str]], workdir: Path) -> None:
    papka, ids = keeper
    (workdir / "names.txt").write_text("Канарейкина Ольга\n", encoding="utf-8")
    added = papka("profiles", "add", "court-only", "--preset", "hide-only", "--hide-file",
                  str(workdir / "names.txt"), "--field", "date", "--titles", "kind", "--kind",
                  "summons", "--no-ocr", passphrases=[DECOY])
    assert added.exit_code == 0, added.output
    listed = papka("--json", "profiles", passphrases=[DECOY])
    mine = {p["name"]: p for p in json.loads(listed.stdout)["profiles"]}
    assert set(mine) == {"lawyer", "embassy", "public", "court-only"}
    assert mine["court-only"]["hide"] == 1 and "Канарейкина" not in listed.output
    text = papka("profiles", "list", passphrases=[DECOY])
    assert "court-only" in text.stdout and "Канарейкина" not in text.output
    # The profile sends summonses only: the criminal case is refused, nothing is written.
    key, public = keygen(workdir)
    refused = papka("export", "--select", ids[0], "--to", public, "--profile", "court-only",
                    "-o", str(workdir / "x.age"), passphrases=[DECOY])
    assert refused.exit_code == 1 and not (workdir / "x.age").exists()
    assert papka("profiles", "add", "lawyer", passphrases=[DECOY]).exit_code == 1
    assert papka("profiles", "remove", "court-only", passphrases=[DECOY]).exit_code == 0
    gone = papka("export", "--select", ids[1], "--to", public, "--profile", "court-only",
                 "-o", str(workdir / "y.age"), passphrases=[DECOY])
    assert gone.exit_code == 1 and "no export profile" in gone.stderr


def test_a_profile_that_keeps_text_is_listed_and_its_export_names_burned_pages(
        keeper: tuple[Papka, list[str]], workdir: Path) -> None:
    from tests.exchange.test_export import CANARY, _two_page_letter

    papka, _ = keeper
    refused = papka("profiles", "add", "whole", "--keep-text", passphrases=[DECOY])
    assert refused.exit_code == 1 and "Only a profile that redacts" in refused.stderr
    added = papka("profiles", "add", "court", "--preset", "hide-only", "--keep-text",
                  passphrases=[DECOY])
    assert added.exit_code == 0, added.output
    listed = json.loads(papka("--json", "profiles", passphrases=[DECOY]).stdout)["profiles"]
    methods = {p["name"]: p["redaction_method"] for p in listed}
    assert methods["court"] == "keep-text" and methods["embassy"] == "burn"
    table = papka("profiles", "list", passphrases=[DECOY]).stdout
    court = next(line for line in table.splitlines() if line.startswith("court"))
    embassy = next(line for line in table.splitlines() if line.startswith("embassy"))
    assert "text kept" in court and "pictures" in embassy
    shown = papka("profiles", "show", "court", passphrases=[DECOY])
    assert shown.exit_code == 0 and "text kept" in shown.stdout and "hide-only" in shown.stdout
    shown_json = json.loads(papka("--json", "profiles", "show", "court",
                                  passphrases=[DECOY]).stdout)
    assert shown_json["redaction_method"] == "keep-text" and shown_json["hide"] == 0
    assert papka("profiles", "show", "nobody", passphrases=[DECOY]).exit_code == 1
    (workdir / "letter.pdf").write_bytes(_two_page_letter())
    added = papka("--json", "add", str(workdir / "letter.pdf"), "--kind", "summons",
                  passphrases=[DECOY])
    letter = json.loads(added.stdout)["added"][0]["id"]
    (workdir / "names.txt").write_text(CANARY + "\n", encoding="utf-8")
    _, public = keygen(workdir)
    sent = papka("--json", "export", "--select", letter, "--to", public, "--profile", "court",
                 "--hide-file", str(workdir / "names.txt"), "--no-ocr-layer", "-o",
                 str(workdir / "court.age"), passphrases=[DECOY])
    assert sent.exit_code == 0, sent.output
    document = json.loads(sent.stdout)["documents"][0]
    assert document["burned_pages"] == [{"page": 2, "reason": "picture"}]
    assert f"In document {letter}, some pages were redrawn as pictures" in sent.stderr
    assert "2 (a picture under a box)" in sent.stderr


# --- identity files protected by a passphrase -----------------------------------------------------

KEY_WORDS = "ключ адвоката под паролем"


def test_keys_protected_by_a_passphrase_open_bundles_from_the_command_line(
        keeper: tuple[Papka, list[str]], workdir: Path) -> None:
    from tests.bundle.protected_keys import age_identity_with_passphrase, ssh_key_with_passphrase

    papka, ids = keeper
    keys = {
        "ed25519": ssh_key_with_passphrase(workdir / "id_ed25519", "ed25519", KEY_WORDS),
        "rsa": ssh_key_with_passphrase(workdir / "id_rsa", "rsa", KEY_WORDS),
        "age": age_identity_with_passphrase(workdir / "key.txt.age", KEY_WORDS),
    }
    bundle = workdir / "b.age"
    made = run(["-c", str(papka.container), "export", "--select", ids[1],
                *(arg for _key, public in keys.values() for arg in ("--to", public)),
                "-o", str(bundle)], passphrases=[DECOY])
    assert made.returncode == 0, made.stderr
    for name, (key, _public) in keys.items():
        checked = run(["--json", "bundle", "verify", str(bundle), "-i", str(key)],
                      passphrases=[KEY_WORDS])
        assert checked.returncode == 0, (name, checked.stderr)
        assert json.loads(checked.stdout)["verified"] is True
        out = workdir / f"opened-{name}"
        wrong = run(["bundle", "open", str(bundle), "-i", str(key), "-o", str(out)],
                    passphrases=["не тот пароль"])
        assert wrong.returncode == 1
        assert wrong.stderr.decode().startswith(
            "papka: error: This identity file does not open with this passphrase.\n"), name
        assert not out.exists()
        opened = run(["bundle", "open", str(bundle), "-i", str(key), "-o", str(out)],
                     passphrases=[KEY_WORDS])
        assert opened.returncode == 0, opened.stderr
        assert (out / "files" / "01-summons.pdf").read_bytes() == b"%PDF-1.4 summons\n" * 40
    russian = run(["bundle", "verify", str(bundle), "-i", str(keys["age"][0])],
                  passphrases=["не тот пароль"], language="ru")
    assert russian.returncode == 1
    assert "papka: ошибка: Этот файл ключа не открывается этой парольной фразой." in \
        russian.stderr.decode()
    # Two protected key files: one line each, in the order of -i; a missing line is refused.
    both = ["bundle", "verify", str(bundle), "-i", str(keys["rsa"][0]), "-i",
            str(keys["age"][0])]
    assert run(both, passphrases=[KEY_WORDS, KEY_WORDS]).returncode == 0
    short = run(both, passphrases=[KEY_WORDS])
    assert short.returncode == 1 and b"one line for each key file" in short.stderr
    # With a container, --passphrase-fd is the container's; the key's comes on
    # --new-passphrase-fd.
    lawyer = _lawyer(workdir)
    imported = run(["-c", str(lawyer.container), "--json", "bundle", "import", str(bundle),
                    "-i", str(keys["ed25519"][0])], passphrases=[LAWYER_VAULT], new=KEY_WORDS)
    assert imported.returncode == 0, imported.stderr
    assert len(json.loads(imported.stdout)["imported"]) == 1


def _verify_asking_for_the_key(papka: Papka, ids: list[str], workdir: Path) -> Any:
    """`papka bundle verify` in a terminal, on a bundle made to a key protected by KEY_WORDS."""
    import pexpect

    from tests.bundle.protected_keys import ssh_key_with_passphrase

    key, public = ssh_key_with_passphrase(workdir / "id_ed25519", "ed25519", KEY_WORDS)
    made = run(["-c", str(papka.container), "export", "--select", ids[0], "--to", public,
                "-o", str(workdir / "b.age")], passphrases=[DECOY])
    assert made.returncode == 0, made.stderr
    return pexpect.spawn(PAPKA[0], [*PAPKA[1:], "bundle", "verify", str(workdir / "b.age"),
                                    "-i", str(key)],
                         env={**os.environ, "LANGUAGE": "en", "COLUMNS": "120"},
                         encoding="utf-8", timeout=120)


def test_a_key_passphrase_is_asked_without_echo(keeper: tuple[Papka, list[str]],
                                                workdir: Path) -> None:
    import pexpect

    child = _verify_asking_for_the_key(*keeper, workdir)
    # A mistyped passphrase is asked again rather than ending the command.
    child.expect("Passphrase of the key file [^:]*id_ed25519: ")
    child.sendline("not the passphrase")
    child.expect("does not open the key file; try again")
    child.expect("Passphrase of the key file [^:]*id_ed25519: ")
    child.sendline(KEY_WORDS)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    shown_text = child.before or ""
    assert "The bundle verifies" in shown_text
    assert KEY_WORDS not in shown_text and "not the passphrase" not in shown_text


def test_a_key_passphrase_wrong_three_times_ends_the_command(keeper: tuple[Papka, list[str]],
                                                             workdir: Path) -> None:
    import pexpect

    child = _verify_asking_for_the_key(*keeper, workdir)
    for _ in range(3):
        child.expect("Passphrase of the key file [^:]*id_ed25519: ")
        child.sendline("wrong again")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1


# --- one signing key per export profile ---------------------------------------------------------

def test_identity_shows_each_profiles_key_and_export_signs_with_it(
        keeper: tuple[Papka, list[str]], workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # so that no fingerprint wraps in the text checked
    papka, ids = keeper
    # A profile of the keeper's own (originals, titles replaced by the kind: the keeper's
    # papers here are not real PDFs, which a redacting profile would refuse).
    assert papka("profiles", "add", "journalist", "--titles", "kind",
                 passphrases=[DECOY]).exit_code == 0
    default = json.loads(papka("--json", "identity", passphrases=[DECOY]).stdout)
    lawyer = json.loads(papka("--json", "identity", "--profile", "lawyer",
                              passphrases=[DECOY]).stdout)
    public = json.loads(papka("--json", "identity", "--profile", "public",
                              passphrases=[DECOY]).stdout)
    assert default == lawyer and lawyer["profile"] == "lawyer" and public["profile"] == "public"
    assert lawyer["public_key"] != public["public_key"]
    listed = json.loads(papka("--json", "identity", "--all", passphrases=[DECOY]).stdout)
    by_profile = {entry["profile"]: entry for entry in listed["identities"]}
    assert set(by_profile) == {"lawyer", "embassy", "public", "journalist"}
    assert len({entry["fingerprint"] for entry in listed["identities"]}) == 4
    assert by_profile["public"] == public and by_profile["lawyer"] == lawyer
    table = papka("identity", "--all", passphrases=[DECOY])
    assert table.exit_code == 0 and "journalist" in table.stdout
    assert public["fingerprint"] in table.stdout and public["spoken"] in table.stdout
    text = papka("identity", "--profile", "public", passphrases=[DECOY])
    assert public["fingerprint"] in text.stdout and public["public_key"] in text.stdout
    unknown = papka("identity", "--profile", "nobody", passphrases=[DECOY])
    assert unknown.exit_code == 1 and "no export profile with this name" in unknown.stderr

    # A journalist's bundle is signed with the journalist profile's key, and says so; the
    # lawyer's with the lawyer's.
    key, age_public = keygen(workdir)
    journalist = json.loads(papka("--json", "identity", "--profile", "journalist",
                                  passphrases=[DECOY]).stdout)
    for profile, expected in (("journalist", journalist), ("lawyer", lawyer)):
        bundle = workdir / f"{profile}.age"
        made = run(["-c", str(papka.container), "export", "--select", ids[1], "--profile",
                    profile, "--to", age_public, "-o", str(bundle)], passphrases=[DECOY])
        assert made.returncode == 0, made.stderr
        assert f"{expected['fingerprint']} (the {profile} profile's key)" in \
            made.stdout.decode()
        checked = json.loads(run(["--json", "bundle", "verify", str(bundle), "-i",
                                  str(key)]).stdout)
        assert checked["signer"] == expected["public_key"]
        assert checked["fingerprint"] == expected["fingerprint"]
