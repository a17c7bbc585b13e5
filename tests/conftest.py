"""Hypothesis profiles: ``ci`` (the default: fast, and derandomized, so a run on a clean
checkout explores the same examples every time and a red CI reproduces) and ``dev``
(thorough and random: the search for new counterexamples; a found one is replayed from
``.hypothesis/`` on the next run).

Pick one with the environment variable ``HYPOTHESIS_PROFILE``, e.g.
``HYPOTHESIS_PROFILE=dev pytest tests/engine``.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]

settings.register_profile(
    "ci",
    max_examples=30,
    deadline=None,
    suppress_health_check=_SLOW_OK,
    print_blob=True,
    derandomize=True,
)
settings.register_profile(
    "dev", max_examples=1000, deadline=None, suppress_health_check=_SLOW_OK, print_blob=True
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
