"""Where ``scripts/setup`` put Deluge and the WebAPI plugin."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    if configured := os.environ.get("DELUGE_WEBAPI_CACHE"):
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "deluge-webapi-ha"


def deluge_bin(program: str) -> Path:
    path = cache_dir() / "venv-deluge" / "bin" / program
    if not path.exists():
        raise RuntimeError(f"{path} is missing: run scripts/setup first")
    return path


def webapi_egg() -> Path:
    eggs = sorted((cache_dir() / "plugins").glob("WebAPI-*.egg"))
    if not eggs:
        raise RuntimeError("the WebAPI plugin egg is missing: run scripts/setup first")
    return eggs[-1]
