"""``python -m caravan.cli`` runs the command line."""

from caravan.cli import main

main()
