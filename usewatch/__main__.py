"""`python -m usewatch …`: the same as the `usewatch` command."""

from usewatch.cli import main

main()
