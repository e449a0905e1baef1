"""`python -m bot.cli`: the same as the `civic-match` command."""

from bot.cli import main

main()
