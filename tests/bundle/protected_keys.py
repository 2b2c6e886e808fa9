"""Identity files protected by a passphrase, made by the real tools: `ssh-keygen -N` and
`age -p` (which reads its passphrase only from a terminal, so it runs under a pseudo-terminal)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.conftest import require_tool, unavailable


def ssh_key_with_passphrase(path: Path, key_type: str, passphrase: str) -> tuple[Path, str]:
    """A new OpenSSH private key at ``path`` protected by ``passphrase``; returns the key file
    and its public key line."""
    ssh_keygen = require_tool("ssh-keygen")
    subprocess.run([ssh_keygen, "-q", "-t", key_type, "-N", passphrase, "-C", "", "-f",
                    str(path)], check=True)
    return path, path.with_suffix(".pub").read_text().strip()


def age_identity_with_passphrase(path: Path, passphrase: str, *,
                                 armored: bool = False) -> tuple[Path, str]:
    """A new age identity encrypted as `age -p -o path key.txt` does; returns the encrypted file
    and its public key. The unencrypted identity is removed once it is encrypted."""
    age_keygen, age = require_tool("age-keygen"), require_tool("age")
    try:
        import pexpect
    except ImportError:
        unavailable("pexpect is needed to type a passphrase into `age -p`")
    plain = path.with_name(path.name + ".plain")
    made = subprocess.run([age_keygen, "-o", str(plain)], capture_output=True, check=True,
                          text=True)
    public = made.stderr.strip().rsplit(" ", 1)[-1]
    try:
        child = pexpect.spawn(age, ["-p", *(["-a"] if armored else []), "-o", str(path),
                                    str(plain)], timeout=60, echo=False)
        try:
            child.expect("passphrase")
            child.sendline(passphrase)
            child.expect("onfirm")
            child.sendline(passphrase)
            child.expect(pexpect.EOF)
        finally:
            child.close()
    finally:
        plain.unlink()
    assert child.exitstatus == 0, child.before
    assert public.startswith("age1")
    return path, public
