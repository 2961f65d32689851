"""Headless Chromium for the page tests (summary.html, review.html): find it, run it with a
private profile, and a skip marker for machines without it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
         "--disable-extensions", "--mute-audio"]
BROWSER = next((found for found in map(shutil.which, BROWSERS) if found), None)


def needs_browser(page: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(BROWSER is None, reason="headless Chromium not installed (Debian: apt-get install "
                              f"chromium fonts-noto-cjk); the {page} page is not checked in a browser")


def run_browser(args: list[str], profile: Path) -> subprocess.CompletedProcess:
    """Chromium with ``args`` (e.g. --dump-dom URL, --screenshot=PATH URL) in its own profile."""
    assert BROWSER is not None
    cmd = [BROWSER, *FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=90, env={**os.environ, "HOME": str(profile)})
