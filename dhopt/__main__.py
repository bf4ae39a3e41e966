"""`python -m dhopt` is the `dhopt` command."""

from dhopt.cli import app

app(prog_name="dhopt")
