"""`python -m b2bmail` runs the CLI, under its own name (help, errors and shell completion)."""

from b2bmail.cli import main

main(prog_name="b2bmail")
