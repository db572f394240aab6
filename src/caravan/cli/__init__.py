"""The ``caravan`` command line."""

from caravan.cli.app import app


def main() -> None:
    app()


__all__ = ["app", "main"]
