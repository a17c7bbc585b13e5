"""The snapshot's partitions (`snapshots._plan`), checked against what they must hold for any
store: every freelancer still to score is scored once, every agency once, each from a history
that holds all its members, and no partition that scores its freelancers is over the size."""

from __future__ import annotations

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from jobsuccess.store.snapshots import _plan

FREELANCERS = [f"f{i:02d}" for i in range(30)]


@st.composite
def stores(draw: st.DrawFn) -> tuple[list[str], dict[str, list[str]], int]:
    """Freelancers still to score, the agencies to score with their members, a partition size:
    the members of some agencies all still to score (as on a first run), of others not all
    (some were stored before a crash), linked by shared members or not."""
    members = draw(
        st.dictionaries(
            st.sampled_from([f"a{i}" for i in range(8)]),
            st.lists(st.sampled_from(FREELANCERS), min_size=1, max_size=6, unique=True).map(sorted),
        ).map(lambda d: dict(sorted(d.items())))
    )
    waiting = draw(st.sets(st.sampled_from(FREELANCERS)))
    for agency in draw(st.sets(st.sampled_from(sorted(members)))) if members else ():
        waiting |= set(members[agency])
    return sorted(waiting), members, draw(st.integers(min_value=1, max_value=12))


@given(stores())
def test_every_subject_is_scored_once_from_a_history_of_all_its_members(
    store: tuple[list[str], dict[str, list[str]], int],
) -> None:
    todo, members, size = store
    jobs = _plan(todo, members, size)
    scored = Counter(f for job in jobs if job.freelancers_too for f in job.freelancers)
    assert scored == Counter(todo)
    assert Counter(a for job in jobs for a in job.agencies) == Counter(list(members))
    for job in jobs:
        assert set(job.freelancers) >= {f for a in job.agencies for f in members[a]}
        if job.freelancers_too:
            assert len(job.freelancers) <= size


@given(stores())
def test_an_agency_whose_members_all_wait_and_fit_reads_no_ledger_twice(
    store: tuple[list[str], dict[str, list[str]], int],
) -> None:
    """With every member still to score and room for all linked members, no partition only
    re-reads members for their agencies."""
    todo, members, size = store
    waiting = set(todo) | {f for people in members.values() for f in people}
    if len(waiting) > size:  # room for every linked group, whatever the links
        return
    jobs = _plan(sorted(waiting), members, size)
    assert all(job.freelancers_too for job in jobs)
    read = Counter(f for job in jobs for f in job.freelancers)
    assert set(read.values()) <= {1}
