"""Sessions, CSRF and role checks of the pages, without a browser (fast): the cookie's flags,
forms refused without the session's token, a revoked key signing its sessions out, expired
cookies, no redirect off the site after sign-in, and each role's reach."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from jobsuccess.store import audit
from jobsuccess.store.keys import create_key, revoke_key
from jobsuccess.web import session as sess
from service.fixtures import Service, running


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    with running(f"sqlite:///{tmp_path_factory.mktemp('site') / 'web.db'}") as s:
        yield s


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "the form carries a CSRF token"
    return found.group(1)


def _browser(svc: Service) -> TestClient:
    return TestClient(svc.client.app)


def _signed_in(svc: Service, key: str, next: str | None = None) -> tuple[TestClient, str]:
    b = _browser(svc)
    form = {"key": key, "csrf": _csrf(b.get("/signin").text)}
    if next is not None:
        form["next"] = next
    answer = b.post("/signin", data=form, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return b, answer.headers["location"]


def test_the_session_cookie_is_httponly_samesite_expiring_and_holds_no_key(svc: Service) -> None:
    b = _browser(svc)
    token = _csrf(b.get("/signin").text)
    answer = b.post("/signin", data={"key": svc.keys["f1"], "csrf": token}, follow_redirects=False)
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and f"Max-Age={sess.MAX_AGE}" in cookie
    assert svc.keys["f1"] not in cookie and svc.keys["f1"].split("_", 2)[2] not in cookie
    assert answer.headers["location"] == "/freelancers/f1"
    page = b.get("/freelancers/f1")
    assert page.status_code == 200 and "My Stats" in page.text
    assert _csrf(page.text) != token  # signing in issued a new token


def test_forms_without_the_sessions_token_are_refused(svc: Service) -> None:
    b = _browser(svc)
    b.get("/signin")
    assert b.post("/signin", data={"key": svc.keys["f1"], "csrf": "x"}).status_code == 403
    fresh = _browser(svc)  # no session at all (a cross-site post): refused too
    assert fresh.post("/signin", data={"key": svc.keys["f1"], "csrf": "x"}).status_code == 403
    signed, _ = _signed_in(svc, svc.keys["operator"])
    refused = signed.post("/signout", data={"csrf": "not-the-token"})
    assert refused.status_code == 403 and "security token" in refused.text
    assert signed.get("/console", follow_redirects=False).status_code == 200  # still signed in


def test_a_revoked_key_signs_its_sessions_out_at_once(svc: Service) -> None:
    secret, row = create_key(svc.db, "operator")
    b, _ = _signed_in(svc, secret)
    assert b.get("/console", follow_redirects=False).status_code == 200
    revoke_key(svc.db, row.prefix)
    answer = b.get("/console", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/signin?next=/console"


def test_an_expired_or_forged_cookie_is_no_session(
    svc: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    b, _ = _signed_in(svc, svc.keys["operator"])
    cookie = b.cookies[sess.COOKIE]
    forged = _browser(svc)
    forged.cookies.set(sess.COOKIE, cookie[:-3] + "abc")
    assert forged.get("/console", follow_redirects=False).status_code == 303
    monkeypatch.setattr(sess, "MAX_AGE", -1)  # every signature is now too old
    assert b.get("/console", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil"])
def test_sign_in_never_redirects_off_the_site(svc: Service, target: str) -> None:
    _, location = _signed_in(svc, svc.keys["f1"], next=target)
    assert location == "/freelancers/f1"


def test_sign_in_returns_to_the_page_asked_for(svc: Service) -> None:
    _, location = _signed_in(svc, svc.keys["operator"], next="/console?q=f")
    assert location == "/console?q=f"


@pytest.mark.parametrize(
    ("who", "path", "code"),
    [
        ("f1", "/freelancers/f1", 200),
        ("f1", "/freelancers/f1/records", 200),
        ("f1", "/freelancers/f2", 403),
        ("f1", "/freelancers/f2/records", 403),
        ("f1", "/freelancers/f2/chart.json", 403),
        ("nobody", "/freelancers/f1/ledger", 403),
        ("f1", "/search", 403),
        ("f1", "/profile/f2", 403),
        ("f1", "/console", 403),
        ("client", "/search", 200),
        ("client", "/profile/f1", 200),
        ("client", "/freelancers/f1", 403),
        ("client", "/freelancers/f1/chart.json", 403),
        ("client", "/console/log", 403),
        ("operator", "/freelancers/f2", 200),
        ("operator", "/console/log", 200),
    ],
)
def test_every_page_enforces_the_role_on_the_server(
    svc: Service, who: str, path: str, code: int
) -> None:
    b, _ = _signed_in(svc, svc.keys[who])
    answer = b.get(path, follow_redirects=False)
    assert answer.status_code == code, answer.text[:300]
    if code == 403:
        assert "text/html" in answer.headers["content-type"]
        assert "f2-c0" not in answer.text and "client-" not in answer.text  # nothing of theirs


def test_pages_without_a_session_ask_to_sign_in_and_the_api_stays_json(svc: Service) -> None:
    b = _browser(svc)
    answer = b.get("/freelancers/f1/ledger?as_of=2026-06-01", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/signin?next=/freelancers/f1/ledger%3Fas_of%3D2026-06-01"
    api = b.get("/v1/freelancers/f1/score")
    assert api.status_code == 401 and api.json()["detail"].startswith("an API key is required")


def test_the_freelancer_sees_no_private_answer_the_operator_does_and_it_is_audited(
    svc: Service,
) -> None:
    before = len(audit.recent(svc.db, action=audit.VIEWED_PRIVATE))
    mine, _ = _signed_in(svc, svc.keys["f1"])
    page = mine.get("/freelancers/f1/records").text
    assert "recommend" not in page and "not_completed" not in page
    assert len(audit.recent(svc.db, action=audit.VIEWED_PRIVATE)) == before
    op, _ = _signed_in(svc, svc.keys["operator"])
    page = op.get("/freelancers/f1/records").text
    assert "recommend" in page and "not_completed" in page
    (entry, *_) = audit.recent(svc.db, action=audit.VIEWED_PRIVATE)
    assert entry.freelancer == "f1" and entry.role == "operator"
    assert len(audit.recent(svc.db, action=audit.VIEWED_PRIVATE)) == before + 1


def test_assets_and_docs_are_served_locally(svc: Service) -> None:
    b = _browser(svc)
    docs = b.get("/docs").text
    assert "/static/vendor/swagger-ui-bundle.js" in docs and "cdn" not in docs.lower()
    for path in (
        "/static/vendor/swagger-ui-bundle.js",
        "/static/vendor/swagger-ui.css",
        "/static/vendor/plotly.min.js",
        "/static/app.js",
        "/static/app.css",
    ):
        assert b.get(path).status_code == 200, path
    assert b.get("/static/vendor/../../app.py").status_code == 404
    assert "cdn" not in b.get("/redoc").text.lower()
