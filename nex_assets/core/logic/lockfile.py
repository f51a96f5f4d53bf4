"""The dependency lock (requirements.lock, requirements-llm.lock; written by scripts/lock.sh) read as data,
and compared with what is installed and with what pyproject.toml asks for."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from packaging.requirements import Requirement
from packaging.version import Version

PROJECT = "nex"
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")
_VIA_PROJECT = re.compile(rf"#\s+(?:via\s+)?{PROJECT} \(pyproject\.toml\)")


def normalize(name: str) -> str:
    """A distribution's name as indexes compare it (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Pin:
    name: str
    version: str
    hashes: tuple[str, ...] = ()
    # Named by the project itself, not only reached through another package.
    direct: bool = False


@dataclass
class Lock:
    pins: dict[str, Pin] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def versions(self) -> dict[str, str]:
        return {name: pin.version for name, pin in self.pins.items()}


def parse(text: str, source: str = "lock") -> Lock:
    """Every ``name==version`` entry of a pip-style lock with its hashes; anything that is not an exact
    pin (a range, a URL, an editable) is a problem, since it would let an install differ."""
    lock = Lock()
    current: dict | None = None

    def close() -> None:
        if current is not None:
            pin = Pin(current["name"], current["version"], tuple(current["hashes"]), current["direct"])
            if pin.name in lock.pins:
                lock.problems.append(f"{source}: {pin.name} is pinned twice")
            lock.pins[pin.name] = pin

    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if raw[:1] not in (" ", "\t", "#"):
            close()
            found = _PIN.match(line)
            if found is None:
                current = None
                lock.problems.append(f"{source}:{number}: not an exact pin: {line}")
                continue
            current = {
                "name": normalize(found.group(1)),
                "version": found.group(2),
                "hashes": [],
                "direct": False,
            }
        if current is None:
            continue
        for token in line.split():
            if token.startswith("--hash="):
                current["hashes"].append(token.removeprefix("--hash="))
        if _VIA_PROJECT.search(line):
            current["direct"] = True
    close()
    for pin in lock.pins.values():
        if not pin.hashes:
            lock.problems.append(f"{source}: {pin.name}=={pin.version} has no hash")
    return lock


def differences(locked: Mapping[str, str], installed: Mapping[str, str]) -> list[str]:
    """What an environment holds that the lock does not say, one line each (empty: they agree)."""
    out = []
    for name in sorted(set(locked) | set(installed)):
        want, have = locked.get(name), installed.get(name)
        if want is None:
            out.append(f"{name}=={have} is installed but not in the lock")
        elif have is None:
            out.append(f"{name}=={want} is in the lock but not installed")
        elif Version(want) != Version(have):
            out.append(f"{name} is {have}, the lock says {want}")
    return out


def unmet(requirements: Iterable[str], lock: Lock, where: str) -> list[str]:
    """Requirements of pyproject.toml (``where`` names the list) that the lock leaves out or pins
    outside their range; requirements whose marker does not apply here are skipped."""
    out = []
    for text in requirements:
        req = Requirement(text)
        if req.marker is not None and not req.marker.evaluate():
            continue
        pin = lock.pins.get(normalize(req.name))
        if pin is None:
            out.append(f"{where}: {text} is not in the lock")
        elif not req.specifier.contains(pin.version, prereleases=True):
            out.append(f"{where}: {text} is locked at {pin.version}, outside its range")
    return out


def undeclared(lock: Lock, requirements: Iterable[str]) -> list[str]:
    """Pins the lock says the project asks for that pyproject.toml no longer names."""
    named = {normalize(Requirement(text).name) for text in requirements}
    return [
        f"{pin.name}=={pin.version} is locked as the project's own but pyproject.toml does not name it"
        for pin in lock.pins.values()
        if pin.direct and pin.name not in named
    ]
