"""SSHSIG signatures interoperate with OpenSSH's `ssh-keygen -Y` in both directions."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from papka.formats.bundle import SIGNATURE_NAMESPACE, SignatureError, SigningKey, sshsig
from papka.formats.bundle.signer import public_blob_from_openssh
from tests.conftest import require_tool

MESSAGE = '{"files":[],"title":"Повестка"}'.encode()


def allowed_signers(folder: Path, public_line: str) -> Path:
    path = folder / "allowed_signers"
    path.write_text(f"keeper {public_line}\n")
    return path


def keygen_verify(folder: Path, public_line: str, signature: bytes, message: bytes,
                  namespace: str = SIGNATURE_NAMESPACE) -> subprocess.CompletedProcess[bytes]:
    ssh_keygen = require_tool("ssh-keygen")
    sig = folder / "manifest.json.sig"
    sig.write_bytes(signature)
    return subprocess.run(
        [ssh_keygen, "-Y", "verify", "-f", str(allowed_signers(folder, public_line)),
         "-I", "keeper", "-n", namespace, "-s", str(sig)],
        input=message, capture_output=True)


def test_ssh_keygen_verifies_papka_signature(tmp_path: Path) -> None:
    key = SigningKey.generate()
    signature = key.sign(MESSAGE)
    good = keygen_verify(tmp_path, key.public_openssh(), signature, MESSAGE)
    assert good.returncode == 0, good.stderr
    assert key.fingerprint().openssh.encode() in good.stdout + good.stderr
    assert keygen_verify(tmp_path, key.public_openssh(), signature, MESSAGE + b" ").returncode
    assert keygen_verify(tmp_path, key.public_openssh(), signature, MESSAGE,
                         namespace="file").returncode


def _ssh_keygen_signature(tmp_path: Path, message: bytes, namespace: str) -> tuple[bytes, str]:
    ssh_keygen = require_tool("ssh-keygen")
    key = tmp_path / "id_ed25519"
    if not key.exists():
        subprocess.run([ssh_keygen, "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    signed = subprocess.run([ssh_keygen, "-Y", "sign", "-f", str(key), "-n", namespace],
                            input=message, capture_output=True, check=True).stdout
    return signed, key.with_suffix(".pub").read_text()


def test_papka_verifies_ssh_keygen_signature(tmp_path: Path) -> None:
    signature, public = _ssh_keygen_signature(tmp_path, MESSAGE, SIGNATURE_NAMESPACE)
    assert sshsig.verify(signature, MESSAGE) == public_blob_from_openssh(public)


def test_papka_rejects_ssh_keygen_signature_over_other_data(tmp_path: Path) -> None:
    signature, _ = _ssh_keygen_signature(tmp_path, b"another manifest", SIGNATURE_NAMESPACE)
    with pytest.raises(SignatureError):
        sshsig.verify(signature, MESSAGE)


def test_papka_rejects_ssh_keygen_signature_in_other_namespace(tmp_path: Path) -> None:
    signature, _ = _ssh_keygen_signature(tmp_path, MESSAGE, "file")
    with pytest.raises(SignatureError):
        sshsig.verify(signature, MESSAGE)


def test_fingerprint_matches_ssh_keygen(tmp_path: Path) -> None:
    ssh_keygen = require_tool("ssh-keygen")
    key = SigningKey.generate()
    public = tmp_path / "key.pub"
    public.write_text(key.public_openssh() + "\n")
    listed = subprocess.run([ssh_keygen, "-l", "-f", str(public)], capture_output=True,
                            check=True, text=True).stdout
    assert listed.split()[1] == key.fingerprint().openssh


def test_spoken_fingerprint_is_eight_groups_of_five_digits() -> None:
    spoken = SigningKey.generate().fingerprint().spoken
    groups = spoken.split(" ")
    assert len(groups) == 8 and all(len(g) == 5 and g.isdigit() for g in groups)
    assert SigningKey.generate().fingerprint().spoken != spoken


def test_terminal_qr_is_drawn() -> None:
    qr = SigningKey.generate().fingerprint().qr()
    assert len(qr.splitlines()) > 10 and "█" in qr


def test_signing_key_survives_its_private_bytes() -> None:
    key = SigningKey.generate()
    again = SigningKey.from_private_bytes(key.private_bytes())
    assert again.public_openssh() == key.public_openssh()
    assert sshsig.verify(again.sign(MESSAGE), MESSAGE) == key.public_blob()
    assert "ssh-ed25519" not in repr(key) and key.private_bytes().hex() not in repr(key)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0), st.integers(min_value=1, max_value=255))
def test_any_altered_signature_byte_fails_or_changes_nothing_signed(at: int, flip: int) -> None:
    """Changing any byte of the armoured signature makes it fail, except the line breaks and
    armour whitespace that carry no data."""
    key = SigningKey.generate()
    signature = bytearray(key.sign(MESSAGE))
    at %= len(signature)
    if signature[at] in b"\n":
        return
    signature[at] ^= flip
    with pytest.raises(SignatureError):
        sshsig.verify(bytes(signature), MESSAGE)
