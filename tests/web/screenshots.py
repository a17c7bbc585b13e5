"""Screenshots of every page at 1280 and 390 px into docs/screenshots/ (``make screenshots``).

    .venv/bin/python tests/web/screenshots.py

The same server and store as the browser tests (`web.server`): a real ``jobsuccess serve``
on a temporary store, driven by Debian's chromium. Each page is shot down to at most
`MAX_HEIGHT` pixels (long tables are cut there).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from web.server import CHROMIUM, STORY_DATES, STORY_FREELANCER, running

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
MAX_HEIGHT = 2400
F = STORY_FREELANCER
SHOTS: list[tuple[str, str | None, str]] = [
    # (file name, role signed in (None: nobody), path)
    ("signin", None, "/signin"),
    ("my-stats", "freelancer", f"/freelancers/{F}?as_of={STORY_DATES[2]}"),
    (
        "what-changed",
        "freelancer",
        f"/freelancers/{F}/changes?from={STORY_DATES[1]}&to={STORY_DATES[2]}",
    ),
    ("ledger", "freelancer", f"/freelancers/{F}/ledger?as_of={STORY_DATES[2]}"),
    ("records", "freelancer", f"/freelancers/{F}/records"),
    ("forecast", "freelancer", f"/freelancers/{F}/forecast?as_of={STORY_DATES[2]}"),
    ("advice", "freelancer", f"/freelancers/{F}/advice?as_of={STORY_DATES[2]}"),
    ("what-if", "freelancer", f"/freelancers/{F}/whatif?as_of={STORY_DATES[2]}"),
    ("search", "client", "/search?min_score=50&sort=evidence"),
    ("profile", "client", f"/profile/{F}"),
    ("console", "operator", "/console?q=f"),
    (
        "console-freelancer",
        "operator",
        f"/console/freelancers/{F}?from={STORY_DATES[1]}&to={STORY_DATES[2]}",
    ),
    ("raters", "operator", "/console/raters"),
    ("log", "operator", "/console/log"),
    ("lab", "operator", "/console/lab"),
    ("api-docs", None, "/docs"),
]


def main() -> int:
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        print(f"no chromium at {CHROMIUM}: apt-get install -y chromium", file=sys.stderr)
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, running(Path(tmp)) as served, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        for width in (1280, 390):
            pages = {}
            for role in (None, "freelancer", "client", "operator"):
                context = browser.new_context(
                    viewport={"width": width, "height": 900}, device_scale_factor=1
                )
                page = context.new_page()
                if role is not None:
                    page.goto(f"{served.url}/signin")
                    page.fill("#key", served.keys[role])
                    page.click("button[type=submit]")
                    page.wait_for_load_state("networkidle")
                pages[role] = page
            for name, role, path in SHOTS:
                page = pages[role]
                page.goto(served.url + path)
                page.wait_for_load_state("networkidle")
                if page.locator("#score-chart").count():
                    page.wait_for_selector("#score-chart[data-ready='1']")
                if path == "/docs":
                    page.wait_for_selector(".swagger-ui .info .title")
                height = min(MAX_HEIGHT, int(page.evaluate("document.body.scrollHeight")))
                file = OUT / f"{name}-{width}.png"
                page.screenshot(
                    path=str(file),
                    full_page=True,
                    clip={"x": 0, "y": 0, "width": width, "height": height},
                )
                print(file.relative_to(OUT.parents[1]))
            for page in pages.values():
                page.context.close()
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
