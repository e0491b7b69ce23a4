"""What dbt's model files say about each mart: columns, key, rates, orderings.

The marts are defined once, in dbt (``models/marts/**/_*__models.yml``: enforced
contracts and the tests that block a build). The quality gates and the tests read
those facts from here instead of restating them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import yaml

from gridwatch.config import REPO_ROOT

MARTS_DIR = REPO_ROOT / "dbt_project" / "models" / "marts"

# Marts the pipeline keeps beyond the contract's (contract §9 names them as such):
# the worked example (tests/fixtures/example/expected/) covers every other mart.
BEYOND_CONTRACT = frozenset(
    {"mart_quality_results", "mart_grid_backlog_daily", "mart_delivery_changes"}
)


@dataclass(frozen=True)
class Mart:
    name: str
    columns: tuple[tuple[str, str], ...]  # (name, dbt data_type)
    key: tuple[str, ...]
    rates: dict[str, str]  # column -> "error" (blocks the build) or "warn"
    orderings: tuple[tuple[str, str], ...]  # (larger, smaller): larger >= smaller

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.columns)


def _tests(node: dict) -> list[tuple[str, dict]]:
    """A node's data tests as (name, arguments and config)."""
    tests = []
    for test in node.get("data_tests") or node.get("tests") or []:
        if isinstance(test, str):
            tests.append((test, {}))
        else:
            ((name, spec),) = test.items()
            spec = spec or {}
            tests.append((name, {**spec.get("arguments", {}), **spec.get("config", {})}))
    return tests


def _mart(model: dict) -> Mart:
    name = model["name"]
    columns = tuple((c["name"], c.get("data_type", "")) for c in model.get("columns", []))
    key: tuple[str, ...] = ()
    for test, args in _tests(model):
        if test == "unique_combination":
            key = tuple(args["columns"])
    rates: dict[str, str] = {}
    orderings: list[tuple[str, str]] = []
    for column in model.get("columns", []):
        tests = dict(_tests(column))
        if not key and "unique" in tests and "not_null" in tests:
            key = (column["name"],)
        if "is_rate" in tests:
            rates[column["name"]] = tests["is_rate"].get("severity", "error")
        if "not_greater_than" in tests:
            orderings.append((tests["not_greater_than"]["other"], column["name"]))
    if not key:
        raise ValueError(f"mart {name} declares no key (unique_combination, or unique + not_null)")
    return Mart(name, columns, key, rates, tuple(orderings))


@functools.cache
def marts(models_dir: Path = MARTS_DIR) -> dict[str, Mart]:
    """Every mart of the dbt project, by name, in the order the model files list them."""
    found: dict[str, Mart] = {}
    for path in sorted(models_dir.rglob("_*__models.yml")):
        for model in yaml.safe_load(path.read_text(encoding="utf-8")).get("models", []):
            found[model["name"]] = _mart(model)
    if not found:
        raise FileNotFoundError(f"no mart models under {models_dir}")
    return found


def contract_marts(models_dir: Path = MARTS_DIR) -> dict[str, Mart]:
    """The marts contract §9 defines: every mart but those BEYOND_CONTRACT."""
    return {name: mart for name, mart in marts(models_dir).items() if name not in BEYOND_CONTRACT}
