"""The `papka` command with the KDF weakened, for the test suite's subprocesses only.

Run as ``python tests/weak_papka.py ARGS...``. The installed papka reads no environment
variable or file for its KDF strength; this launcher weakens it in its own process, through
the same call the suite's conftest makes, and then runs the real command.
"""

from papka.vault import _crypto

_crypto.weaken_for_tests()

from papka.cli.main import main  # noqa: E402

main()
