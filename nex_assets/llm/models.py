"""Local GGUF models, found through the registry in ``config/llm.yaml``.

Installing joins (or copies) the files that pinned wheels ship into ``<NEX home>/llm/models/<name>.gguf``
and checks the result against the registry's sha256, so that what the server loads is exactly the file
that was reviewed, whoever uploaded the wheels. A model of your own (``path:``) is hashed where it is.
A manifest beside the file records what was installed; the server checks the hash again before every
start.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.metadata
import json
import os
import shutil
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from nex_assets.core import env
from nex_assets.llm.logic.local import pip_install_hint
from nex_assets.llm.settings import LLMSettings, LocalModel, ModelPart

CHUNK = 8 << 20


class ModelError(RuntimeError):
    """A model that cannot be installed or trusted; the message says what to do."""


@dataclass(frozen=True)
class Installed:
    name: str
    file: str
    sha256: str
    size_bytes: int
    installed_at: str
    sources: list[str]


def llm_home() -> Path:
    return env.nex_home() / "llm"


def models_dir() -> Path:
    return llm_home() / "models"


def spec(settings: LLMSettings, name: str | None = None) -> tuple[str, LocalModel]:
    """The registry entry ``name`` (default: the configured local model)."""
    name = name or settings.local.model
    if name is None:
        raise ModelError("no local model configured (local.model in config/llm.yaml)")
    model = settings.local.models.get(name)
    if model is None:
        known = ", ".join(sorted(settings.local.models)) or "none"
        raise ModelError(f"unknown local model {name!r} (config/llm.yaml lists: {known})")
    return name, model


def model_file(name: str, model: LocalModel) -> Path:
    if model.path:
        path = Path(model.path).expanduser()
        return path if path.is_absolute() else (env.project_dir() / path).resolve()
    return models_dir() / f"{name}.gguf"


def _manifest_path(name: str) -> Path:
    return models_dir() / f"{name}.json"


def installed(name: str, model: LocalModel) -> Installed | None:
    """The install record when its file is still there with the recorded size and, for a pinned
    model, the pinned hash (cheap: nothing is hashed here)."""
    try:
        record = Installed(**json.loads(_manifest_path(name).read_text()))
    except (OSError, ValueError, TypeError):
        return None
    # Recorded relative to the models folder where the file is inside it, so a copied or moved home
    # finds its own copy.
    record = dataclasses.replace(record, file=str((models_dir() / record.file).resolve()))
    try:
        size = Path(record.file).stat().st_size
    except OSError:
        return None
    if size != record.size_bytes or Path(record.file) != model_file(name, model):
        return None
    if model.sha256 and record.sha256 != model.sha256:
        return None
    return record


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def locate(part: ModelPart) -> Path:
    """The file ``part`` names inside its installed distribution, at the pinned version."""
    try:
        dist = importlib.metadata.distribution(part.package)
    except importlib.metadata.PackageNotFoundError:
        raise ModelError(f"package {part.package} is not installed") from None
    if dist.version != part.version:
        raise ModelError(f"package {part.package} is {dist.version}, the registry pins {part.version}")
    path = Path(str(dist.locate_file(part.file)))
    if not path.is_file():
        raise ModelError(f"package {part.package} {part.version} has no file {part.file}")
    return path


def missing_packages(model: LocalModel) -> list[ModelPart]:
    missing = []
    for part in model.parts:
        try:
            locate(part)
        except ModelError:
            missing.append(part)
    return missing


def install(name: str, model: LocalModel, *, force: bool = False) -> tuple[Installed, bool]:
    """Installs ``name`` unless it already is; returns the record and whether anything was done."""
    found = installed(name, model)
    if found is not None and not force:
        return found, False
    record = _adopt(name, model) if model.path else _join(name, model)
    models_dir().mkdir(parents=True, exist_ok=True)
    stored = asdict(record)
    folder, file = models_dir().resolve(), Path(record.file).resolve()
    if file.is_relative_to(folder):
        stored["file"] = str(file.relative_to(folder))
    _write_json(_manifest_path(name), stored)
    return record, True


def _join(name: str, model: LocalModel) -> Installed:
    missing = missing_packages(model)
    if missing:
        raise ModelError(
            f"model {name}: {len(missing)} of its {len(model.parts)} packages are missing or at another "
            f"version; install them with: {pip_install_hint((p.package, p.version) for p in missing)}"
        )
    paths = [locate(p) for p in model.parts]
    total = sum(p.stat().st_size for p in paths)
    if model.size_bytes and total != model.size_bytes:
        raise ModelError(
            f"model {name}: the parts add up to {total:,} bytes, the registry says {model.size_bytes:,}"
        )
    target = model_file(name, model)
    target.parent.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(target.parent).free
    if free < total:
        raise ModelError(f"model {name} needs {total:,} bytes in {target.parent}, {free:,} are free")
    partial = target.with_name(target.name + ".partial")
    digest = hashlib.sha256()
    try:
        with partial.open("wb") as out:
            for path in paths:
                with path.open("rb") as f:
                    while chunk := f.read(CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
        sha = digest.hexdigest()
        if model.sha256 and sha != model.sha256:
            raise ModelError(
                f"model {name}: the joined file's sha256 is {sha}, the registry pins "
                f"{model.sha256}; nothing was installed"
            )
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return Installed(
        name=name,
        file=str(target),
        sha256=sha,
        size_bytes=total,
        installed_at=_now(),
        sources=[f"{p.package}=={p.version}:{p.file}" for p in model.parts],
    )


def _adopt(name: str, model: LocalModel) -> Installed:
    path = model_file(name, model)
    if not path.is_file():
        raise ModelError(f"model {name}: {path} is not a file")
    sha = sha256_file(path)
    if model.sha256 and sha != model.sha256:
        raise ModelError(f"model {name}: {path} has sha256 {sha}, the registry pins {model.sha256}")
    return Installed(
        name=name,
        file=str(path),
        sha256=sha,
        size_bytes=path.stat().st_size,
        installed_at=_now(),
        sources=[str(path)],
    )


def verify(name: str, model: LocalModel) -> Installed:
    """Hashes the installed file now; raises unless it matches the install record (and the pin)."""
    record = installed(name, model)
    if record is None:
        raise ModelError(f"model {name} is not installed: run `nex llm install --model {name}`")
    sha = sha256_file(Path(record.file))
    if sha != record.sha256:
        raise ModelError(
            f"model {name}: {record.file} changed since it was installed (sha256 {sha}, expected "
            f"{record.sha256}); reinstall it with `nex llm install --model {name} --force`"
        )
    return record


def _write_json(path: Path, value: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(value, indent=2) + "\n")
    os.replace(tmp, path)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
