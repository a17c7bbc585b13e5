"""A lab SPEC: a policy (``auto``, a shipped name, a TOML file) with an optional privacy k.

Syntax: ``POLICY`` or ``POLICY@k=K``; for example ``auto``, ``2020-11``, ``my-rules.toml``,
``auto@k=3``. ``@k=K`` pools private feedback in batches of K clients over every policy of
the spec (`jobsuccess.policy.PolicyBook.with_privacy`); without it each policy keeps its own
``privacy.k`` (1 in the shipped timeline).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from jobsuccess.errors import InputError

if TYPE_CHECKING:
    from jobsuccess.policy import PolicyBook

_PRIVACY = re.compile(r"^(?P<policy>.+)@k=(?P<k>[0-9]+)$")


@dataclass(frozen=True)
class Spec:
    policy: str
    privacy_k: int | None = None

    @property
    def label(self) -> str:
        return self.policy if self.privacy_k is None else f"{self.policy}@k={self.privacy_k}"

    def book(self) -> PolicyBook:
        from jobsuccess.policy import load_policy

        return load_policy(self.policy, privacy_k=self.privacy_k)


def parse_spec(text: str, option: str = "--base") -> Spec:
    """``auto``, ``2020-11``, ``rules.toml``, ``auto@k=3``: see the module's docstring."""
    text = text.strip()
    if not text:
        raise InputError(
            "expected a policy (auto, a name or a TOML file), got nothing", field=option
        )
    match = _PRIVACY.match(text)
    if match is None:
        if "@" in text and not text.endswith(".toml"):
            raise InputError(
                f"expected POLICY or POLICY@k=K (e.g. auto@k=3), got {text!r}", field=option
            )
        return Spec(text)
    k = int(match["k"])
    if k < 1:
        raise InputError(f"privacy k must be at least 1, got {k}", field=option)
    return Spec(match["policy"], k)
