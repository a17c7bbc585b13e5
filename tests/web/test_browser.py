"""The web app in a real browser (issue 14 item 7): chromium driven by Playwright against a
real ``jobsuccess serve`` on a temporary store (`web.server`)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from web.conftest import sign_in, text_of
from web.server import STORY, STORY_DATES, STORY_FREELANCER, Served

F = STORY_FREELANCER
#: Every page, by the role that sees it (each checked for accessibility and phone width).
PAGES: dict[str, list[str]] = {
    "freelancer": [
        f"/freelancers/{F}?as_of={STORY_DATES[2]}",
        f"/freelancers/{F}/changes?from={STORY_DATES[1]}&to={STORY_DATES[2]}",
        f"/freelancers/{F}/ledger?as_of={STORY_DATES[2]}",
        f"/freelancers/{F}/records",
        f"/freelancers/{F}/forecast?as_of={STORY_DATES[2]}",
        f"/freelancers/{F}/advice?as_of={STORY_DATES[2]}",
        f"/freelancers/{F}/whatif?as_of={STORY_DATES[2]}",
        f"/freelancers/{F}/appeals?contract=c16-blog-articles",
    ],
    "client": ["/search?min_score=0", f"/profile/{F}"],
    "operator": [
        "/console",
        "/console/appeals",
        "/console?q=f",
        f"/console/freelancers/{F}?from={STORY_DATES[1]}&to={STORY_DATES[2]}",
        "/console/raters",
        "/console/log",
        "/console/lab",
    ],
}


def _serious(page: Any) -> list[str]:
    """The serious and critical accessibility violations axe-core finds on the page."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [v["id"] for v in found if v["impact"] in ("serious", "critical")]


def _point(page: Any, day: str) -> tuple[float, float]:
    """Where the history trace's point of ``day`` is on the screen."""
    box = page.evaluate(
        """(day) => {
          const d = document.getElementById("score-chart");
          const tr = d.data[0]; const i = tr.x.indexOf(day);
          const xa = d._fullLayout.xaxis, ya = d._fullLayout.yaxis;
          const r = d.querySelector(".nsewdrag").getBoundingClientRect();
          return [r.left + xa.d2p(tr.x[i]), r.top + ya.d2p(tr.y[i])];
        }""",
        day,
    )
    return float(box[0]), float(box[1])


def _click_point(page: Any, day: str) -> None:
    """Click the history point of ``day`` once plotly hovers it, and wait for the pick.

    Plotly throttles hover events and a click reports the point last hovered: a click right
    after a move can report the previous point, so the click waits for the hover to land.
    """
    x, y = _point(page, day)
    page.mouse.move(x, y)
    hovered = """(day) => {
      const h = document.getElementById("score-chart")._hoverdata;
      return !!h && h.length > 0 && String(h[0].x).slice(0, 10) === day;
    }"""
    page.wait_for_function(hovered, arg=day)
    page.mouse.click(x, y)
    picked = """(day) => (document.getElementById("score-chart")
      .getAttribute("data-picked") || "").split(",").pop() === day"""
    page.wait_for_function(picked, arg=day)


def _cli_explain(start: str, end: str) -> dict[str, Any]:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "jobsuccess.cli",
            "explain",
            str(STORY),
            "--json",
            "--from",
            start,
            "--to",
            end,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return dict(json.loads(out))


@pytest.mark.parametrize(
    ("role", "lands", "heading"),
    [
        ("freelancer", f"/freelancers/{F}", "My Stats"),
        ("client", "/search", "Search freelancers"),
        ("operator", "/console", "Support console"),
    ],
)
def test_each_role_signs_in_lands_home_and_signs_out(
    browser: Any, served: Served, role: str, lands: str, heading: str
) -> None:
    page = sign_in(browser, served, role)
    assert page.url == served.url + lands
    assert text_of(page, "h1").startswith(heading)
    cookie = next(c for c in page.context.cookies() if c["name"] == "jss_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["expires"] > 0
    assert served.keys[role] not in json.dumps(page.context.cookies())  # the key stays out
    page.click("text=Sign out")
    page.wait_for_load_state("networkidle")
    assert page.url.startswith(served.url + "/signin")
    page.goto(served.url + lands)
    assert page.url.startswith(served.url + "/signin?next=")  # signed out: asked again
    page.context.close()


def test_a_wrong_key_is_refused_on_the_page(browser: Any, served: Served) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{served.url}/signin")
    page.fill("#key", served.keys["operator"][:-2] + "xx")
    page.click("button[type=submit]")
    assert "not valid" in text_of(page, ".error")
    context.close()


def test_freelancer_picks_two_dates_on_the_chart_and_reads_what_explain_says(
    browser: Any, served: Served
) -> None:
    page = sign_in(browser, served, "freelancer")
    page.wait_for_selector("#score-chart[data-ready='1']")
    traces = page.evaluate("document.getElementById('score-chart').data.map(t => t.line.shape)")
    assert traces == ["hv", "hv"]  # history and forecast, both as steps
    start, end = str(STORY_DATES[1]), str(STORY_DATES[2])
    for day in (end, start):  # in either order
        _click_point(page, day)
    assert page.input_value("#pick-from") == start and page.input_value("#pick-to") == end
    page.click("#pick-dates button[type=submit]")
    page.wait_for_load_state("networkidle")
    cli = _cli_explain(start, end)
    summary = text_of(page, "#change-summary")
    assert f"From {cli['from']['as_of']} to {cli['to']['as_of']}" in summary
    assert f"{cli['from']['score']}% → {cli['to']['score']}%" in summary
    assert text_of(page, "#delta") == f"{cli['delta']:+.2f} points"
    rows = page.locator("table.changes tbody tr")
    assert rows.count() == len(cli["changes"])
    for i, change in enumerate(cli["changes"]):
        cells = [
            text_of(page, f"table.changes tbody tr:nth-child({i + 1}) td:nth-child({n})")
            for n in (1, 2, 3)
        ]
        assert cells == [f"{change['effect']:+.2f}", change["kind"], change["text"]]
    page.context.close()


def test_a_freelancer_typing_another_freelancers_url_gets_403(browser: Any, served: Served) -> None:
    page = sign_in(browser, served, "freelancer")
    for path in (
        f"/freelancers/{served.other_freelancer}",
        f"/freelancers/{served.other_freelancer}/ledger",
        f"/freelancers/{served.other_freelancer}/chart.json",
        "/console",
        "/search",
    ):
        response = page.goto(served.url + path)
        assert response is not None and response.status == 403, path
        assert served.other_freelancer not in text_of(page, "main") or path == "/search"
    assert _serious(page) == []  # the error page too
    page.context.close()


def test_client_search_matches_the_api(browser: Any, served: Served) -> None:
    page = sign_in(browser, served, "client")
    page.goto(f"{served.url}/search")
    page.fill("input[name=min_score]", "50")
    page.select_option("select[name=sort]", "evidence")
    page.click("form.pick button[type=submit]")
    page.wait_for_load_state("networkidle")
    api = httpx.get(
        f"{served.url}/v1/freelancers",
        params={"min_score": 50, "sort": "evidence", "limit": 50},
        headers={"Authorization": f"Bearer {served.keys['client']}"},
    ).json()
    assert api["results"], "the market has freelancers at 50% or more"
    rows = page.locator("table.results tbody tr")
    assert rows.count() == len(api["results"])
    for i, r in enumerate(api["results"]):
        cells = page.locator(f"table.results tbody tr:nth-child({i + 1}) td").all_inner_texts()
        low, high = r["evidence"]["low"], r["evidence"]["high"]
        assert cells[0] == r["freelancer"] and cells[1] == f"{r['score']}%"
        assert cells[2] == (f"{low:.0f}\u2013{high:.0f}%" if low is not None else "-")
        assert cells[3:5] == [str(r["outcomes"]), str(r["clients"])]
    page.click(f"text={api['results'][0]['freelancer']}")
    assert text_of(page, "#score") == f"{api['results'][0]['score']}%"
    page.context.close()


def test_the_what_if_playground_shows_before_after_and_why(browser: Any, served: Served) -> None:
    page = sign_in(browser, served, "freelancer")
    page.goto(f"{served.url}/freelancers/{F}/whatif")
    page.click("form:has(#end-contract) button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "→" in text_of(page, "#whatif-result")
    assert page.locator("table.changes tbody tr").count() >= 1
    assert _serious(page) == []
    page.context.close()


def test_operator_views_of_private_answers_are_in_the_audit_log(
    browser: Any, served: Served
) -> None:
    page = sign_in(browser, served, "operator")
    page.goto(f"{served.url}/freelancers/{F}/records")
    assert "recommend" in text_of(page, "table.records thead")  # the private answers
    page.goto(f"{served.url}/console/log")
    assert f"viewed_private_answers {F}" in text_of(page, "main")
    page.context.close()


def test_the_console_shows_the_policy_labs_results(browser: Any, served: Served) -> None:
    page = sign_in(browser, served, "operator")
    page.goto(f"{served.url}/console/lab")
    assert "fairness: 2024-09 vs jobsuccess-2026" in text_of(page, "main")
    with page.expect_navigation():
        page.click("text=The lab's report")
    assert page.title().startswith("Policy lab: 2024-09 vs jobsuccess-2026")
    page.context.close()


def test_appeal_story_freelancer_files_reviewer_decides_freelancer_reads_the_new_score(
    browser: Any, served: Served
) -> None:
    """The freelancer files an appeal from a ledger row; an operator takes it into review and
    a reviewer upholds it with a reason; the freelancer reads the decision, its reason and
    what it changed in the score."""
    who, appealed = served.appellant, served.appealed
    me = sign_in(browser, served, "appellant")
    me.goto(f"{served.url}/freelancers/{who}/ledger")
    me.click(f"tr[id='contract-{appealed}'] a:text('Appeal')")
    assert text_of(me, "#file-h") == f"Appeal the outcome of {appealed}"
    me.select_option("#category", "client_unresponsive")
    me.fill("#text", "The client stopped answering after the last invoice.")
    me.click("#file button[type=submit]")
    me.wait_for_load_state("networkidle")
    row = me.locator("table.appeals tbody tr", has_text=appealed)
    assert "filed" in row.inner_text()
    assert _serious(me) == []  # the appeal's status
    appeal = row.get_attribute("id")
    assert appeal and appeal.startswith("ap-")

    ops = sign_in(browser, served, "reviewer")
    ops.goto(f"{served.url}/console/appeals")
    queued = ops.locator("table.queue tbody tr", has_text=appeal)
    assert "0" in queued.locator("td").nth(5).inner_text()  # filed today: age 0
    assert _serious(ops) == []  # the queue with an appeal in it
    queued.locator(f"a:text('{appeal}')").click()
    ops.click("text=Take into review")
    ops.wait_for_load_state("networkidle")
    assert _serious(ops) == []  # the decision form
    ops.check("input[name=decision][value=upheld]")
    ops.click("text=Record the decision")  # no reason: the browser refuses (required)
    assert "in review" in text_of(ops, "#appeal-state")
    reason = "Confirmed with the client's account history: they left the marketplace."
    ops.fill("#reason", reason)
    ops.click("text=Record the decision")
    ops.wait_for_load_state("networkidle")
    assert text_of(ops, "#appeal-state").startswith("upheld")
    assert [
        r.inner_text().split("\t")[3] for r in ops.locator("section:has(#t-h) tbody tr").all()
    ] == [
        "filed",
        "in_review",
        "upheld",
    ]  # the audit: every step
    assert _serious(ops) == []
    ops.context.close()

    me.reload()
    status = text_of(me, f"tr[id='{appeal}'] td.status")
    assert status.startswith("upheld") and reason in status
    assert _serious(me) == []  # the freelancer's appeals with the decision
    link = me.locator(f"tr[id='{appeal}'] >> text=What it changed in the score")
    decided = parse_qs(urlsplit(link.get_attribute("href") or "").query)
    (day,), (before,) = decided["to"], decided["from"]
    assert dt.date.fromisoformat(day) - dt.date.fromisoformat(before) == dt.timedelta(days=1)
    assert f"Upheld on {day}:" in status
    link.click()
    me.wait_for_load_state("networkidle")
    # the score before and after the decision: the API's explanation of the same two dates,
    # whose change names the upheld appeal
    api = httpx.get(
        f"{served.url}/v1/freelancers/{who}/explain",
        params={"from": before, "to": day},
        headers={"Authorization": f"Bearer {served.keys['appellant']}"},
    ).json()["body"]["changes"]
    old, new = api["from"]["score"], api["to"]["score"]
    assert old != new, "upholding the appeal moves the score"
    summary = text_of(me, "#change-summary")
    assert f"From {before} to {day}: {_shown(old)} → {_shown(new)}" in summary
    named = f"{appealed}: an operator decision: appeal upheld on {day}"
    rows = [r.locator("td").all_inner_texts() for r in me.locator("table.changes tbody tr").all()]
    upheld = [r for r in rows if r[2] == named]
    assert len(upheld) == 1, rows
    assert upheld[0][1] == "operator action" and upheld[0][0] != "+0.00"
    me.goto(f"{served.url}/freelancers/{who}/ledger")
    ruled = text_of(me, f"tr[id='contract-{appealed}']")
    assert "negative" not in ruled and "appeal" in ruled.lower()  # no longer held against them
    me.context.close()


def _shown(score: int | None) -> str:
    return "no score" if score is None else f"{score}%"


def _no_sideways_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


@pytest.mark.parametrize("role", list(PAGES))
def test_every_page_is_accessible_and_fits_a_phone(browser: Any, served: Served, role: str) -> None:
    """axe-core finds no serious or critical violation; at 1280 and at 390 px (the same
    page, resized: the layout and the chart reflow) nothing scrolls sideways."""
    page = sign_in(browser, served, role)
    for path in PAGES[role]:
        page.set_viewport_size({"width": 1280, "height": 900})
        response = page.goto(served.url + path)
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("networkidle")
        if page.locator("#score-chart").count():
            page.wait_for_selector("#score-chart[data-ready='1']")
        assert _no_sideways_scroll(page), f"{path} scrolls sideways at 1280 px"
        assert _serious(page) == [], path
        page.set_viewport_size({"width": 390, "height": 800})
        page.wait_for_timeout(300)  # plotly redraws on resize
        assert _no_sideways_scroll(page), f"{path} scrolls sideways at 390 px"
    page.context.close()


def test_sign_in_page_and_docs_render_without_network(browser: Any, served: Served) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 800})
    page = context.new_page()
    outside: list[str] = []
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(served.url) else None,
    )
    page.goto(f"{served.url}/signin")
    assert _no_sideways_scroll(page)
    assert _serious(page) == []
    page.goto(f"{served.url}/docs")
    page.wait_for_selector(".swagger-ui .info .title", timeout=20_000)
    assert "jobsuccess" in text_of(page, ".swagger-ui .info .title")
    assert outside == []  # nothing from the network
    context.close()
