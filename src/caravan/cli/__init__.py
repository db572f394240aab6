"""The ``caravan`` command line."""

import sys

from caravan.cli.app import app


def main() -> None:
    from caravan.errors import ConfigurationError

    try:
        app()
    except ConfigurationError as exc:  # e.g. production without a real secret key
        print(f"Configuration error: {exc.message}", file=sys.stderr)
        raise SystemExit(2) from None


__all__ = ["app", "main"]
