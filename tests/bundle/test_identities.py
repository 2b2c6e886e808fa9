"""Identity files protected by a passphrase, as stock `age -i` accepts them: OpenSSH keys made
with `ssh-keygen -N` (ed25519 and RSA) and age identities encrypted with `age -p`, read by
papka's library with the passphrase given as a parameter or a callback, never asked for."""

from __future__ import annotations

import base64
import contextlib
import io
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from papka.formats.bundle import (
    BundleError,
    BundleUsageError,
    KeyPassphraseError,
    Protection,
    parse_identities,
    parse_recipient,
    verify_bundle,
    write_bundle,
)
from papka.formats.bundle.errors import (
    LimitExceededError,
)
from papka.formats.bundle.identities import MAX_BCRYPT_ROUNDS
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
    write_bundle(out, sample_items(), signer=signer,
                 protection=Protection.to([parse_recipient(public)]),
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


def _with_bcrypt_rounds(key_file: bytes, rounds: int) -> bytes:
    """The same OpenSSH key file with its bcrypt-pbkdf rounds field rewritten."""
    lines = key_file.decode().strip().splitlines()
    blob = bytearray(base64.b64decode("".join(lines[1:-1])))
    at = len(b"openssh-key-v1\x00")
    for _field in ("cipher", "kdf"):
        at += 4 + int.from_bytes(blob[at : at + 4], "big")
    salt_length = int.from_bytes(blob[at + 4 : at + 8], "big")
    rounds_at = at + 8 + salt_length
    assert int.from_bytes(blob[rounds_at : rounds_at + 4], "big") == 16  # ssh-keygen's default
    blob[rounds_at : rounds_at + 4] = rounds.to_bytes(4, "big")
    body = base64.b64encode(bytes(blob)).decode()
    wrapped = [body[i : i + 70] for i in range(0, len(body), 70)]
    return "\n".join([lines[0], *wrapped, lines[-1], ""]).encode()


def test_an_openssh_key_asking_for_endless_bcrypt_rounds_is_refused_before_asking(
        tmp_path: Path) -> None:
    key, _public = ssh_key_with_passphrase(tmp_path / "id", "ed25519", PASSPHRASE)
    # The rewriting itself is sound: with the same rounds the key still opens.
    assert parse_identities(_with_bcrypt_rounds(key.read_bytes(), 16), passphrase=PASSPHRASE)
    asker = Asker(PASSPHRASE)
    with pytest.raises(LimitExceededError, match="identity file"):
        parse_identities(_with_bcrypt_rounds(key.read_bytes(), 2**31), passphrase=asker)
    assert asker.calls == 0
    assert MAX_BCRYPT_ROUNDS == 1024


class _Asked(Exception):
    """Raised by the passphrase callback: parsing got as far as needing the passphrase."""


def _refuse_to_answer() -> str:
    raise _Asked


@pytest.fixture(scope="module")
def key_files(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    folder = tmp_path_factory.mktemp("keys")
    return [ssh_key_with_passphrase(folder / "plain", "ed25519", "")[0].read_bytes(),
            ssh_key_with_passphrase(folder / "locked", "ed25519", PASSPHRASE)[0].read_bytes(),
            age_identity_with_passphrase(folder / "key.age", PASSPHRASE)[0].read_bytes(),
            age_identity_with_passphrase(folder / "key.asc", PASSPHRASE,
                                         armored=True)[0].read_bytes()]


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_damaged_or_hostile_identity_file_is_a_clear_error(key_files: list[bytes],
                                                             data: st.DataObject) -> None:
    original = data.draw(st.sampled_from(key_files))
    at = data.draw(st.integers(0, len(original) - 1))
    mutated = data.draw(st.one_of(
        st.just(original[:at]),
        st.binary(min_size=1, max_size=8).map(lambda b: original[:at] + b + original[at + 1:]),
        st.binary(max_size=300),
    ))
    # Only a clear error, or getting far enough to need the passphrase (within the caps, so no
    # KDF runs here): nothing else may escape.
    with contextlib.suppress(BundleError, _Asked):
        parse_identities(mutated, passphrase=_refuse_to_answer)
