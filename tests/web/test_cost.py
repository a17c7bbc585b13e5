"""What a page computes (issue 14 item 8): each explanation page runs the engine's pipeline
once, and what it saves by doing so is the same answer (no browser, in process)."""

from __future__ import annotations

import datetime as dt
import importlib
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from jobsuccess import explain
from jobsuccess.cli_common import load_history
from jobsuccess.engine import core
from jobsuccess.policy import PolicyBook
from jobsuccess.service import create_app
from jobsuccess.store import ledger, open_database
from jobsuccess.store.importer import import_history
from jobsuccess.store.keys import create_key
from jobsuccess.store.snapshots import run_snapshot
from web.server import STORY, STORY_DATES, STORY_FREELANCER

F = STORY_FREELANCER
#: The advice module (the package's `advise` is the function of that name).
ADVISE = importlib.import_module("jobsuccess.explain.advise")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    db = open_database(f"sqlite:///{tmp_path_factory.mktemp('cost') / 'web.db'}")
    import_history(db, load_history(STORY))
    book = PolicyBook.shipped()
    for day in STORY_DATES:
        run_snapshot(db, book, day)
    app = create_app(db=db, policy=book)
    keys = {
        "freelancer": create_key(db, "freelancer", F)[0],
        "operator": create_key(db, "operator")[0],
    }
    with TestClient(app) as api:
        yield {"db": db, "book": book, "api": api, "keys": keys, "app": app}
    db.dispose()


def _signed_in(site: dict[str, Any], role: str) -> TestClient:
    b = TestClient(site["app"])
    token = re.search(r'name="csrf" value="([^"]+)"', b.get("/signin").text)
    assert token
    form = {"key": site["keys"][role], "csrf": token.group(1)}
    assert b.post("/signin", data=form, follow_redirects=False).status_code == 303
    return b


def _counting(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> list[int]:
    calls: list[int] = []
    real: Callable[..., Any] = getattr(owner, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, counted)
    return calls


@pytest.mark.parametrize("audience", ["freelancer", "operator"])
@pytest.mark.parametrize(("start", "end"), [STORY_DATES[:2], STORY_DATES[1:], STORY_DATES[2:] * 2])
def test_the_explain_routes_score_is_what_score_for_computes(
    site: dict[str, Any], audience: str, start: dt.date, end: dt.date
) -> None:
    """The route's ``score`` is the explanation's end point, not a second computation: the
    same JSON as `explain.score_for` on that date."""
    answer = site["api"].get(
        f"/v1/freelancers/{F}/explain",
        params={"from": str(start), "to": str(end)},
        headers={"Authorization": f"Bearer {site['keys'][audience]}"},
    )
    assert answer.status_code == 200, answer.text
    history = ledger.history(site["db"], [F])
    alone = explain.score_for(history, site["book"], as_of=end, audience=audience, freelancer=F)  # type: ignore[arg-type]
    assert answer.json()["body"]["score"] == alone.to_json()
    assert alone.to_json()["audience"] == audience and alone.to_json()["contracts"]


@pytest.mark.parametrize(
    "path",
    [
        f"/freelancers/{F}/changes?from={STORY_DATES[1]}&to={STORY_DATES[2]}",
        f"/freelancers/{F}/ledger?as_of={STORY_DATES[2]}",
    ],
)
def test_an_explanation_page_runs_the_engine_once(
    site: dict[str, Any], monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    b = _signed_in(site, "freelancer")
    runs = _counting(monkeypatch, core, "_score")
    assert b.get(path).status_code == 200
    assert len(runs) == 1


def test_the_advice_scores_together_in_the_same_engine_run(
    site: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both idle contracts of the story are advice, and so is ending both: one engine run of
    the variants for all three."""
    b = _signed_in(site, "freelancer")
    runs = _counting(monkeypatch, ADVISE, "evaluate")
    page = b.get(f"/freelancers/{F}/advice?as_of={STORY_DATES[0]}")
    assert page.status_code == 200
    assert "Ending both" in page.text
    assert len(runs) == 1


def test_the_what_if_form_runs_no_engine(
    site: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    b = _signed_in(site, "freelancer")
    runs = _counting(monkeypatch, core, "_score")
    page = b.get(f"/freelancers/{F}/whatif")
    assert page.status_code == 200 and 'id="end-contract"' in page.text
    assert runs == []
