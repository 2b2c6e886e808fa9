"""The entry point of the portable papka folder (PyInstaller runs this as the program)."""

from papka.cli.main import main

if __name__ == "__main__":
    main()
