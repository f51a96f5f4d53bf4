"""Prints, one argument a line, the uv options that give uv the package sources pip is set up with here.

uv reads no pip configuration, yet a machine's pip.conf and PIP_* variables may name the only place a
wheel lies (a CPU build of torch in a find-links folder) or a mirror to read first. This asks pip itself
(``pip config list``: files, then the environment, which wins) so that uv sees exactly what pip would.
``--constraints`` adds pip's constraint files, which only the resolver (scripts/lock.sh) needs.

Standard library only: it runs before the virtual environment holds anything but pip.
"""

from __future__ import annotations

import ast
import subprocess
import sys

# Later variants win, as in pip: the [global] section, then the [install] one, then PIP_* variables.
PRECEDENCE = ("global", "install", ":env:")
LIST_KEYS = {"find-links": "--find-links", "extra-index-url": "--extra-index-url"}
CONSTRAINT_KEY = "constraint"


def read_config(listing: str) -> dict[str, str]:
    """``pip config list`` lines (``variant.key='value'``) as one value per key, by pip's precedence."""
    found: dict[str, dict[str, str]] = {}
    for line in listing.splitlines():
        name, sep, raw = line.partition("=")
        if not sep or "." not in name:
            continue
        variant, _, key = name.rpartition(".")
        try:
            value = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            continue
        found.setdefault(key, {})[variant] = str(value)
    out = {}
    for key, by_variant in found.items():
        for variant in PRECEDENCE:
            if variant in by_variant:
                out[key] = by_variant[variant]
    return out


def uv_arguments(config: dict[str, str], *, constraints: bool) -> list[str]:
    # pip merges every index it is given and takes the best version from any of them; uv's default
    # stops at the first index that knows a name, which a partial local mirror would then hide.
    args = ["--index-strategy", "unsafe-best-match"]
    if config.get("no-index", "").lower() in {"1", "true", "yes", "on"}:
        args.append("--no-index")
    if config.get("index-url"):
        args += ["--index-url", config["index-url"].split()[0]]
    for key, flag in LIST_KEYS.items():
        for value in config.get(key, "").split():
            args += [flag, value]
    if constraints:
        for value in config.get(CONSTRAINT_KEY, "").split():
            args += ["--constraints", value]
    return args


def main(argv: list[str]) -> int:
    listing = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True, check=False
    ).stdout
    for arg in uv_arguments(read_config(listing), constraints="--constraints" in argv):
        print(arg)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
