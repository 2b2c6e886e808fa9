"""Identity files protected by a passphrase, as stock `age -i` accepts them: OpenSSH keys made
with `ssh-keygen -N` (ed25519 and RSA) and age identities encrypted with `age -p`, read by
papka's library with the passphrase given as a parameter or a callback, never asked for."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from papka.formats.bundle import (
    BundleUsageError,
    KeyPassphraseError,
    LimitExceededError,
    parse_identities,
    parse_recipient,
    verify_bundle,
    write_bundle,
)
from papka.formats.bundle.signer import SigningKey
from tests.bundle.conftest import Lawyer, clock, sample_items
from tests.bundle.protected_keys import age_identity_with_passphrase, ssh_key_with_passphrase

PASSPHRASE = "три слова ключа"


class Asker:
    """A passphrase callback that counts how often the library asked."""

    def __init__(self, answer: str) -> None:
        self.answer = answer
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        return self.answer


def _bundle_to(public: str, signer: SigningKey) -> io.BytesIO:
    out = io.BytesIO()
    write_bundle(out, sample_items(), signer=signer, recipients=[parse_recipient(public)],
                 clock=clock)
    out.seek(0)
    return out


@pytest.mark.parametrize("key_type", ["ed25519", "rsa"])
def test_an_openssh_key_with_a_passphrase_opens_a_bundle(key_type: str, signer: SigningKey,
                                                         tmp_path: Path) -> None:
    key, public = ssh_key_with_passphrase(tmp_path / "id", key_type, PASSPHRASE)
    assert b"openssh-key-v1" not in key.read_bytes()  # base64 inside the PEM lines
    asker = Asker(PASSPHRASE)
    identities = parse_identities(key.read_bytes(), passphrase=asker)
    assert asker.calls == 1
    verified = verify_bundle(_bundle_to(public, signer), identities=identities)
    assert len(verified.files) == 2
    # The same key as a plain string parameter.
    assert verify_bundle(_bundle_to(public, signer),
                         identities=parse_identities(key.read_text(), passphrase=PASSPHRASE))


@pytest.mark.parametrize("key_type", ["ed25519", "rsa"])
def test_a_wrong_or_missing_ssh_key_passphrase_is_one_clear_error(key_type: str,
                                                                  tmp_path: Path) -> None:
    key, _public = ssh_key_with_passphrase(tmp_path / "id", key_type, PASSPHRASE)
    with pytest.raises(KeyPassphraseError) as wrong:
        parse_identities(key.read_bytes(), passphrase="три слова неверно")
    assert wrong.value.message == "This identity file does not open with this passphrase."
    assert wrong.value.exit_code == 1
    with pytest.raises(KeyPassphraseError, match="none was given"):
        parse_identities(key.read_bytes())


def test_an_unprotected_key_never_asks(tmp_path: Path, lawyer: Lawyer) -> None:
    key, _public = ssh_key_with_passphrase(tmp_path / "id", "ed25519", "")
    asker = Asker("unused")
    assert parse_identities(key.read_bytes(), passphrase=asker)[0].kind == "ssh"
    assert parse_identities(lawyer.secret, passphrase=asker)[0].kind == "x25519"
    assert asker.calls == 0


@pytest.mark.parametrize("armored", [False, True])
def test_an_age_identity_encrypted_with_age_p_opens_a_bundle(armored: bool, signer: SigningKey,
                                                             tmp_path: Path) -> None:
    key, public = age_identity_with_passphrase(tmp_path / "key.txt.age", PASSPHRASE,
                                               armored=armored)
    head = key.read_bytes()[:40]
    assert head.startswith(b"-----BEGIN AGE" if armored else b"age-encryption.org/v1\n-> scrypt")
    asker = Asker(PASSPHRASE)
    identities = parse_identities(key.read_bytes(), passphrase=asker)
    assert asker.calls == 1 and [i.kind for i in identities] == ["x25519"]
    assert verify_bundle(_bundle_to(public, signer), identities=identities).files
    with pytest.raises(KeyPassphraseError):
        parse_identities(key.read_bytes(), passphrase="не тот")
    with pytest.raises(KeyPassphraseError):
        parse_identities(key.read_bytes())


def test_an_encrypted_identity_file_passes_the_bundle_gate_first(tmp_path: Path) -> None:
    key, _public = age_identity_with_passphrase(tmp_path / "key.txt.age", PASSPHRASE)
    raw = key.read_bytes()
    # A work factor over papka's cap is refused from the header, before any passphrase is
    # asked or any scrypt run.
    greedy = re.sub(rb"(-> scrypt \S+) 18\n", rb"\1 23\n", raw)
    assert greedy != raw
    asker = Asker(PASSPHRASE)
    with pytest.raises(LimitExceededError, match="identity file"):
        parse_identities(greedy, passphrase=asker)
    assert asker.calls == 0
    # A flipped byte in the encrypted identity: damaged, not "wrong passphrase".
    damaged = raw[:-5] + bytes([raw[-5] ^ 1]) + raw[-4:]
    with pytest.raises(BundleUsageError, match="damaged"):
        parse_identities(damaged, passphrase=PASSPHRASE)


def test_an_age_file_encrypted_to_a_key_is_not_an_identity_file(lawyer: Lawyer,
                                                                 signer: SigningKey) -> None:
    asker = Asker(PASSPHRASE)
    with pytest.raises(BundleUsageError, match="not one papka can use"):
        parse_identities(_bundle_to(lawyer.public, signer).getvalue(), passphrase=asker)
    assert asker.calls == 0
