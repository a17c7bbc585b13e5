"""Screenshots of every page at 1280 and 390 px into docs/screenshots/ (``make screenshots``).

    .venv/bin/python tests/web/screenshots.py

The same server and store as the browser tests (`web.server`): a real ``jobsuccess serve``
on a temporary store, driven by Debian's chromium. Each page is shot down to at most
`MAX_HEIGHT` pixels (long tables are cut there). The appeals pages are shot along the appeal
story (filed, in review, upheld), each in the state it is read in.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from web.server import CHROMIUM, STORY_DATES, STORY_FREELANCER, Served, running

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
MAX_HEIGHT = 2400
WIDTHS = (1280, 390)
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
        pages: dict[tuple[str | None, int], Any] = {}
        for width in WIDTHS:
            for role in (None, "freelancer", "client", "operator", "appellant", "reviewer"):
                context = browser.new_context(
                    viewport={"width": width, "height": 900}, device_scale_factor=1
                )
                page = context.new_page()
                if role is not None:
                    page.goto(f"{served.url}/signin")
                    page.fill("#key", served.keys[role])
                    page.click("button[type=submit]")
                    page.wait_for_load_state("networkidle")
                pages[role, width] = page

        def shoot(name: str, role: str | None, path: str) -> None:
            for width in WIDTHS:
                _shot(pages[role, width], served.url + path, OUT / f"{name}-{width}.png", width)

        for name, role, path in SHOTS:
            shoot(name, role, path)
        me, ops = pages["appellant", WIDTHS[0]], pages["reviewer", WIDTHS[0]]
        _appeal_story(served, me, ops, shoot)
        for page in pages.values():
            page.context.close()
        browser.close()
    return 0


def _shot(page: Any, url: str, file: Path, width: int) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    if page.locator("#score-chart").count():
        page.wait_for_selector("#score-chart[data-ready='1']")
    if url.endswith("/docs"):
        page.wait_for_selector(".swagger-ui .info .title")
    height = min(MAX_HEIGHT, int(page.evaluate("document.body.scrollHeight")))
    page.screenshot(
        path=str(file), full_page=True, clip={"x": 0, "y": 0, "width": width, "height": height}
    )
    print(file.relative_to(OUT.parents[1]))


def _appeal_story(served: Served, me: Any, ops: Any, shoot: Callable[..., None]) -> None:
    """The appeals pages, each in the state it is read in: the freelancer's form, the queue
    with the filed appeal, the reviewer's decision form, then the freelancer's decision and
    what it changed (the same steps as the browser test's appeal story)."""
    who, contract = served.appellant, served.appealed
    shoot("appeal-form", "appellant", f"/freelancers/{who}/appeals?contract={contract}")
    me.goto(f"{served.url}/freelancers/{who}/appeals?contract={contract}")
    me.select_option("#category", "client_unresponsive")
    me.fill("#text", "The client stopped answering after the last invoice.")
    me.click("#file button[type=submit]")
    me.wait_for_load_state("networkidle")
    appeal = me.locator("table.appeals tbody tr", has_text=contract).get_attribute("id")
    shoot("appeals-filed", "appellant", f"/freelancers/{who}/appeals")
    shoot("appeals-queue", "reviewer", "/console/appeals")
    ops.goto(f"{served.url}/console/appeals/{appeal}")
    ops.click("text=Take into review")
    ops.wait_for_load_state("networkidle")
    shoot("appeal-decision-form", "reviewer", f"/console/appeals/{appeal}")
    ops.goto(f"{served.url}/console/appeals/{appeal}")
    ops.check("input[name=decision][value=upheld]")
    ops.fill("#reason", "Confirmed with the client's account history: they left the marketplace.")
    ops.click("text=Record the decision")
    ops.wait_for_load_state("networkidle")
    shoot("appeal-decided", "reviewer", f"/console/appeals/{appeal}")
    shoot("appeal-decision", "appellant", f"/freelancers/{who}/appeals")
    today = dt.date.today()
    shoot(
        "appeal-what-changed",
        "appellant",
        f"/freelancers/{who}/changes?from={today - dt.timedelta(days=1)}&to={today}",
    )


if __name__ == "__main__":
    raise SystemExit(main())
