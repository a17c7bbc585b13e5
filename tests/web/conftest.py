"""Fixtures of the browser tests: one real server and one chromium for the whole module.

Playwright drives Debian's chromium (``/usr/bin/chromium``, installed by ``.ci/run`` where
missing; Playwright downloads no browser). Without chromium the browser tests are skipped
with the reason, except in CI (``CI`` set), where they fail.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from web.server import CHROMIUM, Served, running


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with running(tmp_path_factory.mktemp("web")) as s:
        yield s


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing in CI: .ci/run installs it (apt-get chromium)")
        pytest.skip(f"no chromium at {CHROMIUM} (apt-get install -y chromium); CI runs these")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield chromium
        chromium.close()


def sign_in(browser: Any, served: Served, role: str, width: int = 1280) -> Any:
    """A new browser context (its own cookies) signed in with ``role``'s key; its page."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(f"{served.url}/signin")
    page.fill("#key", served.keys[role])
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    return page


def text_of(page: Any, selector: str) -> str:
    return re.sub(r"\s+", " ", page.inner_text(selector)).strip()


__all__ = ["Path", "browser", "served", "sign_in", "text_of"]
