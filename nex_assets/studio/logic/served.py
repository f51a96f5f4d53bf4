"""Pages Studio serves that other tools wrote (GX Data Docs, Evidently reports, `nex report` files): a
CDN address they load is pointed at the vendored copy, and any other external address is removed, so the
page renders offline and never calls out."""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

_EXTERNAL = re.compile(
    r"""\b(?P<name>src|href)(?P<eq>\s*=\s*)(?P<q>["'])(?P<url>https?://[^"']*)(?P=q)""", re.I
)
# A script element whole (its body is code, never rewritten: an address in a string there is data) or
# any other opening tag, whose attributes are.
_TAGS = re.compile(
    r"(?P<open><script\b[^>]*>)(?P<body>.*?)(?P<close></script\s*>)|<[a-zA-Z][^>]*>", re.I | re.S
)


def rewrite(html: str, vendored: dict[str, str]) -> str:
    """``vendored`` maps a URL (exactly as the page writes it) to a local address."""

    def swap(m: re.Match) -> str:
        url = m["url"]
        local = vendored.get(url) or vendored.get(url.split("?", 1)[0])
        if local:
            return f"{m['name']}{m['eq']}{m['q']}{local}{m['q']}"
        # Switched off, not emptied: an empty or "#" address would fetch the page itself.
        return f"data-offline-{m['name'].lower()}{m['eq']}{m['q']}{url}{m['q']}"

    def tag(m: re.Match) -> str:
        if m["open"] is not None:
            return _EXTERNAL.sub(swap, m["open"]) + m["body"] + m["close"]
        return _EXTERNAL.sub(swap, m[0])

    return _TAGS.sub(tag, html)


def safe_join(root: Path, relative: str) -> Path | None:
    """``root/relative`` when it names a file inside ``root``; None for anything that climbs out."""
    if "\x00" in relative:  # no file name holds one; the operating system would refuse it with an error
        return None
    parts = PurePosixPath(relative).parts
    if not parts or any(p in {"..", ""} or p.startswith("/") for p in parts) or "\\" in relative:
        return None
    root = root.resolve()
    target = (root / Path(*parts)).resolve()
    if target != root and root not in target.parents:
        return None
    return target
