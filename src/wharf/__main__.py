"""Allow ``python -m wharf``."""

from wharf.cli.main import main

main()
