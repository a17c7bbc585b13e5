"""The explain package's public API is pinned, and its imports flow inward only (issue 11).

Explanations read the engine's record through its public names (a private `_name` of
`jobsuccess.engine` is its own business) and never import an adapter: the CLI, the service,
the web app or the render package.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import jobsuccess.explain

EXPORTED = {
    "AUDIENCES",
    "Advice",
    "Advisory",
    "Audience",
    "Change",
    "ContractLine",
    "Explanation",
    "Forecast",
    "MyStats",
    "PrivateAnswer",
    "Scenario",
    "ScoreAt",
    "ScoreView",
    "WhatIf",
    "advise",
    "check_audience",
    "compare",
    "explain",
    "forecast",
    "parse_scenario",
    "part_of",
    "pick_freelancer",
    "score_for",
    "stats",
    "whatif",
}
RESULTS = {"explain": "Explanation", "compare": "Explanation", "forecast": "Forecast"}
RESULTS |= {"whatif": "WhatIf", "advise": "Advisory", "stats": "MyStats", "score_for": "ScoreView"}
PACKAGE = Path(jobsuccess.explain.__file__).parent
ADAPTERS: tuple[str, ...] = ("jobsuccess.cli", "jobsuccess.service", "jobsuccess.web")
ADAPTERS += ("jobsuccess.render", "jobsuccess.explain_cli", "jobsuccess.lab_cli")
ADAPTERS += ("jobsuccess.spark_cli", "jobsuccess.report")


def test_exported_members() -> None:
    assert set(jobsuccess.explain.__all__) == EXPORTED
    for name in jobsuccess.explain.__all__:
        member = getattr(jobsuccess.explain, name)
        if inspect.isclass(member) or inspect.isfunction(member):
            assert member.__module__.startswith("jobsuccess."), name


def test_every_public_function_returns_a_typed_frozen_result() -> None:
    """No ``dict[str, Any]`` crosses a public function: each returns a frozen dataclass whose
    ``to_json()`` is the JSON the adapters print or serve."""
    for name, result in RESULTS.items():
        function = getattr(jobsuccess.explain, name)
        assert inspect.signature(function).return_annotation == result, name
        cls = getattr(jobsuccess.explain, result)
        assert cls.__dataclass_params__.frozen and callable(cls.to_json), result


def _imports(path: Path) -> list[tuple[str, str]]:
    """(module, name) of every ``from M import N`` and (module, "") of every ``import M``."""
    out: list[tuple[str, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            out += [(node.module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            out += [(alias.name, "") for alias in node.names]
    return out


def _private(module: str, name: str) -> bool:
    parts = [*module.split("."), *([name] if name else [])]
    return any(p.startswith("_") and not p.startswith("__") for p in parts[2:])


def test_explain_imports_no_private_name_of_the_engine_and_no_adapter() -> None:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for module, name in _imports(path):
            if module.startswith("jobsuccess.engine") and _private(module, name):
                found.append(f"{path.name}: {module}.{name}")
            if module.startswith(ADAPTERS):
                found.append(f"{path.name}: {module} (an adapter)")
    assert not found, found


def test_the_check_sees_a_private_import() -> None:
    """The check above is no test that cannot fail: it catches the forms it looks for."""
    assert _private("jobsuccess.engine.windows", "_complete")
    assert _private("jobsuccess.engine._core", "score")
    assert not _private("jobsuccess.engine", "score")
    assert not _private("jobsuccess.engine.windows", "place")
