"""Every declared policy parameter is read by a rule: a parameter no code reads is a promise
the engine does not keep.

The check records every attribute read of a policy section made from the package's own code
(outside the validators of `jobsuccess.policy`, which only declare and check them) while the
engine scores histories that exercise every rule under every shipped policy, pooled and not,
with statuses.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from histories import action, contract, history, job
from jobsuccess.engine import score
from jobsuccess.explain import explain
from jobsuccess.policy import Policy, PolicyBook, _Section, shipped_policies

PACKAGE = Path(sys.modules["jobsuccess"].__file__ or "").parent
DECLARING = PACKAGE / "policy.py"


def _leaves(model: type[_Section], prefix: str = "") -> Iterator[str]:
    for name, info in model.model_fields.items():
        kind = info.annotation
        if isinstance(kind, type) and issubclass(kind, _Section):
            yield from _leaves(kind, f"{prefix}{name}.")
        elif prefix:  # the sections' parameters (name, effective, ... are the policy's meta)
            yield f"{prefix}{name}"


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    seen: set[str] = set()
    sections = {
        cls: name
        for name, info in Policy.model_fields.items()
        if isinstance(cls := info.annotation, type) and issubclass(cls, _Section)
    }
    original = _Section.__getattribute__

    def spy(self: Any, attr: str) -> Any:
        section = sections.get(type(self))
        if section is not None and not attr.startswith("_"):
            code = sys._getframe(1).f_code
            caller = Path(code.co_filename)
            validating = caller == DECLARING and code.co_name.startswith("_")
            if PACKAGE in caller.parents and not validating:
                seen.add(f"{section}.{attr}")
        return original(self, attr)

    monkeypatch.setattr(_Section, "__getattribute__", spy)
    return seen


def _market() -> Any:
    return history(
        *(job(f"c{m}", f"k{m}", end=f"2019-{m:02d}-10", amount=300) for m in range(1, 8)),
        job("z0", "kz", end="2019-08-10", amount=0, stars=1.0, recommend=None),
        job("n1", "kn", end="2019-08-12", feedback=False),
        job("r1", "kr", end="2019-08-14", recommend=2),
        job("r2", "ks", end="2019-08-15", recommend=3),
        contract("o1", client="ko", start="2019-01-01", paid=[("2019-01-05", 500)]),
        contract(
            "l1", client="kl", start="2019-01-01", type="hourly",
            paid=[(f"2019-{m:02d}-01", 800) for m in range(1, 10)],
        ),
        contract(
            "d1", client="kd", start="2019-03-01", end="2019-04-01", dispute=("2019-03-20", None)
        ),
        # f2 could be Top Rated (the statuses' past weeks are only computed for such a one)
        *(
            job(f"t{m}", f"kt{m}", end=f"2019-{m:02d}-20", amount=3000, freelancer="f2")
            for m in range(1, 10)
        ),
        actions=[
            action("feedback_removed", "2019-08-20", contract="r1"),
            action("feedback_removed", "2019-08-21", contract="r2"),
            action("account_hold", "2019-05-01", until="2019-06-01"),
        ],
    )  # fmt: skip


def test_every_policy_parameter_is_read(reads: set[str]) -> None:
    h = _market()
    policies = shipped_policies()  # the timeline's and the opt-in ones (jobsuccess-2026)
    assert "jobsuccess-2026" in [p.name for p in policies]
    for policy in policies:
        for k in (1, 3):
            book = PolicyBook.single(policy.with_privacy(k))
            score(h, book, [dt.date(2019, 9, 15), dt.date(2019, 10, 1)])
    explain(
        h,
        PolicyBook.shipped(),
        start=dt.date(2019, 8, 1),
        end=dt.date(2019, 9, 15),
        freelancer="f1",
    ).to_json()
    declared = set(_leaves(Policy))
    assert declared - reads == set(), "declared policy parameters that no code reads"


def test_the_check_has_teeth(reads: set[str]) -> None:
    """Scoring nothing reads nothing: the same check then lists every parameter."""
    assert set(_leaves(Policy)) - reads == set(_leaves(Policy))
