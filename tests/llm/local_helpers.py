"""Fakes for the local-model tests: wheels that ship model parts, a settings file, an installed model."""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml

from nex_assets.llm import models
from nex_assets.llm.settings import LLMSettings, LocalModel


def fake_wheel(site: Path, package: str, version: str, files: dict[str, bytes]) -> None:
    """An installed distribution as importlib.metadata finds it: a dist-info folder and its files."""
    info = site / f"{package.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {package}\nVersion: {version}\n")
    for rel, data in files.items():
        path = site / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def parted_model(site: Path, chunks: list[bytes], **fields) -> LocalModel:
    """A model split over one fake wheel per chunk, pinned to the joined bytes' hash and size."""
    parts = []
    for i, chunk in enumerate(chunks, start=1):
        package, rel = f"fake-model-part{i}", f"fake_model_part{i}/data/part{i:02d}.bin"
        fake_wheel(site, package, "0.1.0", {rel: chunk})
        parts.append({"package": package, "version": "0.1.0", "file": rel})
    joined = b"".join(chunks)
    pins = {"sha256": hashlib.sha256(joined).hexdigest(), "size_bytes": len(joined)}
    return LocalModel.model_validate({"parts": parts, **pins, **fields})


def write_settings(config_dir: Path, local: dict) -> LLMSettings:
    """A config/llm.yaml with only a ``local`` section (everything else at its defaults)."""
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "llm.yaml").write_text(yaml.safe_dump({"local": local}, sort_keys=False))
    return LLMSettings.model_validate({"local": local})


def install_own_file(config_dir: Path, path: Path, name: str = "mine", **local) -> LLMSettings:
    """A GGUF of one's own (any bytes here; made when missing), registered and installed as ``name``."""
    if not path.exists():
        path.write_bytes(b"GGUF-fake")
    settings = write_settings(
        config_dir, {"model": name, "models": {name: {"path": str(path), "context": 256}}, **local}
    )
    models.install(name, settings.local.models[name])
    return settings
