"""`python -m papka.cli` runs the `papka` command."""

from papka.cli.main import main

main()
