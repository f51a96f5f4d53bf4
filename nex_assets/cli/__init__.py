"""The ``nex`` command. Each module in this package adds its subcommands through
``register(subparsers)``; adding a command group is adding a module, nothing central is edited."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="nex", description="NEX: the data platform's command line.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")):
        importlib.import_module(f"{__name__}.{module}").register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
