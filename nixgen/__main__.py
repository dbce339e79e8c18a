"""Entry point for `python -m nixgen`."""

from nixgen.cli import main

main()
