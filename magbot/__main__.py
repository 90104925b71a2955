"""`python -m magbot` runs the command line."""

from magbot.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
