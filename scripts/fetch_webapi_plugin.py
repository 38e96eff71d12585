"""Fetch the Deluge WebAPI plugin egg from the package index pip uses, check it, save it.

pip cannot install eggs, so this reads the index's PEP 503 page for ``deluge-webapi`` and
downloads the one file. Deluge 2.2 names a plugin after the project part of the egg's file
name, so the egg is saved as ``WebAPI-<version>-py3.6.egg``.
"""

from __future__ import annotations

import hashlib
from html.parser import HTMLParser
import os
from pathlib import Path
import subprocess
import sys
from urllib.parse import urldefrag, urljoin
import urllib.request

PROJECT = "deluge-webapi"
FILE_NAME = "deluge_webapi-0.4.0-py3.6.egg"
SHA256 = "09a63b8d2f359fd28d84048f124a1f1b8e1754627ffee481ac305a49a6222cd5"
SAVED_AS = "WebAPI-0.4.0-py3.6.egg"


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)


def configured_index_url() -> str:
    """Return the index pip would use: PIP_INDEX_URL, its configuration, or its default."""
    if url := os.environ.get("PIP_INDEX_URL"):
        return url
    configured = subprocess.run(
        [sys.executable, "-m", "pip", "config", "get", "global.index-url"],
        capture_output=True,
        text=True,
        check=False,
    )
    if configured.returncode == 0 and configured.stdout.strip():
        return configured.stdout.strip()
    from pip._internal.models.index import PyPI  # noqa: PLC0415

    return str(PyPI.simple_url)


def egg_url(index_url: str) -> str:
    """Find the egg on the index's PEP 503 page for the project."""
    page_url = f"{index_url.rstrip('/')}/{PROJECT}/"
    with urllib.request.urlopen(page_url, timeout=60) as response:  # noqa: S310
        parser = _LinkParser()
        parser.feed(response.read().decode())
    for link in parser.links:
        url, _ = urldefrag(urljoin(page_url, link))
        if url.rsplit("/", 1)[-1] == FILE_NAME:
            return url
    raise SystemExit(f"{FILE_NAME} is not listed on {page_url}")


def main() -> None:
    """Download the egg unless a checked copy is already there."""
    target = Path(sys.argv[1]) / SAVED_AS
    if target.is_file() and hashlib.sha256(target.read_bytes()).hexdigest() == SHA256:
        return
    with urllib.request.urlopen(egg_url(configured_index_url()), timeout=120) as response:  # noqa: S310
        payload = response.read()
    digest = hashlib.sha256(payload).hexdigest()
    if digest != SHA256:
        raise SystemExit(f"{FILE_NAME}: sha256 {digest} is not the expected {SHA256}")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    partial.write_bytes(payload)
    partial.replace(target)
    print(f"saved the WebAPI plugin as {target}", file=sys.stderr)


if __name__ == "__main__":
    main()
