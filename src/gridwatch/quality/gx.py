"""Great Expectations plumbing for the quality gates: the file context, suites, runs, docs.

The GX project lives in ``expectations/gx/`` and is kept in the repository:
``great_expectations.yml`` (one pandas datasource with a DataFrame asset per
suite), ``expectations/`` (the suites, written from ``gridwatch.quality.suites``) and
``validation_definitions/``. Everything is created get-then-add, so running it
again changes no file (GX's file context would otherwise mint new ids).

Per run, validation results go to ``<data>/gx_results/`` and Data Docs to
``<data>/gx_docs/`` (``<data>`` is the folder above the warehouse's folder,
``data/`` by default; override with GRIDWATCH_GX_RESULTS_DIR and
GRIDWATCH_GX_DOCS_DIR). Both are local state, never committed.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

import great_expectations as gx
import pandas as pd
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context.types.resource_identifiers import (
    ExpectationSuiteIdentifier,
    ValidationResultIdentifier,
)
from great_expectations.expectations.expectation_configuration import (
    ExpectationConfiguration,
)
from great_expectations.expectations.metadata_types import FailureSeverity

from gridwatch.config import REPO_ROOT, Settings
from gridwatch.quality.suites import Check, SuiteSpec, suite_specs

log = logging.getLogger(__name__)

GX_PROJECT = REPO_ROOT / "expectations" / "gx"
DATASOURCE = "gridwatch_frames"
BATCH_DEFINITION = "whole_frame"
SEVERITIES = {"blocking": FailureSeverity.CRITICAL, "warning": FailureSeverity.WARNING}
GATE_SEVERITY = {v.value: k for k, v in SEVERITIES.items()}


def local_dirs(settings: Settings) -> tuple[Path, Path]:
    """(validation results, data docs) folders for this warehouse."""
    warehouse_dir = settings.warehouse.parent
    base = warehouse_dir.parent if warehouse_dir.name == "warehouse" else warehouse_dir
    results = os.environ.get("GRIDWATCH_GX_RESULTS_DIR") or str(base / "gx_results")
    docs = os.environ.get("GRIDWATCH_GX_DOCS_DIR") or str(base / "gx_docs")
    return Path(results).resolve(), Path(docs).resolve()


def expectation(check: Check) -> Any:
    """The GX Expectation object of a Check."""
    return ExpectationConfiguration(
        type=check.type,
        kwargs=dict(check.kwargs),
        notes=check.notes,
        severity=SEVERITIES[check.severity],
    ).to_domain_obj()


def gx_suite(spec: SuiteSpec) -> gx.ExpectationSuite:
    return gx.ExpectationSuite(
        name=spec.name,
        expectations=[expectation(c) for c in spec.checks],
        meta={
            "gate": spec.gate,
            "frame": spec.frame,
            "index_columns": list(spec.index_columns),
            "defined_in": "src/gridwatch/quality/suites/",
        },
    )


def _without_ids(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _without_ids(v) for k, v in obj.items() if k not in ("id", "rendered_content")}
    if isinstance(obj, list):
        return [_without_ids(v) for v in obj]
    return obj


def _comparable(suite: gx.ExpectationSuite) -> Any:
    data = suite.to_json_dict()
    data.get("meta", {}).pop("great_expectations_version", None)
    return _without_ids(data)


def _carry_ids(existing: gx.ExpectationSuite, wanted: gx.ExpectationSuite) -> None:
    """Keep the ids of expectations that did not change (or changed only their notes).

    GX compares expectations including their id, so without this an update of one
    expectation would give every expectation of the suite a new id.
    """

    def key(exp: Any, with_notes: bool) -> str:
        data = _without_ids(exp.configuration.to_json_dict())
        if not with_notes:
            data.pop("notes", None)
        return repr(sorted(data.items(), key=lambda kv: kv[0]))

    for with_notes in (True, False):
        free = {}
        taken = {e.id for e in wanted.expectations if e.id}
        for exp in existing.expectations:
            if exp.id not in taken:
                free.setdefault(key(exp, with_notes), exp.id)
        for exp in wanted.expectations:
            if exp.id is None:
                exp.id = free.pop(key(exp, with_notes), None)
    wanted.id = existing.id


@dataclass
class Project:
    """A loaded GX file context with every suite's validation definition ready."""

    context: Any
    definitions: dict[str, Any]
    results_dir: Path
    docs_dir: Path
    changed: list[str]


def open_context(results_dir: Path, docs_dir: Path, project_dir: Path = GX_PROJECT) -> Any:
    return gx.get_context(
        mode="file",
        context_root_dir=str(project_dir),
        runtime_environment={
            "GRIDWATCH_GX_RESULTS_DIR": str(results_dir),
            "GRIDWATCH_GX_DOCS_DIR": str(docs_dir),
        },
    )


def ensure_suites(context: Any, specs: list[SuiteSpec]) -> tuple[dict[str, Any], list[str]]:
    """Create what is missing, update suites whose code changed; touch nothing else.

    Returns the validation definitions by suite name and the names of the suites
    (or definitions) written.
    """
    changed: list[str] = []
    try:
        datasource = context.data_sources.get(DATASOURCE)
    except KeyError:
        datasource = context.data_sources.add_pandas(DATASOURCE)
        changed.append(f"datasource {DATASOURCE}")
    definitions: dict[str, Any] = {}
    for spec in specs:
        try:
            asset = datasource.get_asset(spec.name)
        except LookupError:
            asset = datasource.add_dataframe_asset(spec.name)
            changed.append(f"asset {spec.name}")
        try:
            batch_definition = asset.get_batch_definition(BATCH_DEFINITION)
        except KeyError:
            batch_definition = asset.add_batch_definition_whole_dataframe(BATCH_DEFINITION)
            changed.append(f"batch definition {spec.name}")
        wanted = gx_suite(spec)
        try:
            suite = context.suites.get(spec.name)
        except gx.exceptions.DataContextError:
            suite = context.suites.add(wanted)
            changed.append(f"suite {spec.name}")
        else:
            if _comparable(suite) != _comparable(wanted):
                _carry_ids(suite, wanted)
                suite = context.suites.add_or_update(wanted)
                changed.append(f"suite {spec.name}")
        try:
            definition = context.validation_definitions.get(spec.name)
        except gx.exceptions.DataContextError:
            definition = context.validation_definitions.add(
                gx.ValidationDefinition(name=spec.name, data=batch_definition, suite=suite)
            )
            changed.append(f"validation definition {spec.name}")
        definitions[spec.name] = definition
    return definitions, changed


_PROJECT: Project | None = None


def project(settings: Settings) -> Project:
    """The GX project for this process (created once; again only if the folders change)."""
    global _PROJECT
    results_dir, docs_dir = local_dirs(settings)
    if (
        _PROJECT is not None
        and _PROJECT.results_dir == results_dir
        and _PROJECT.docs_dir == docs_dir
    ):
        return _PROJECT
    results_dir.mkdir(parents=True, exist_ok=True)
    context = open_context(results_dir, docs_dir)
    definitions, changed = ensure_suites(context, suite_specs())
    if changed:
        log.info("GX project updated: %s", ", ".join(changed))
    _PROJECT = Project(context, definitions, results_dir, docs_dir, changed)
    return _PROJECT


def result_format(spec: SuiteSpec) -> dict[str, Any]:
    fmt: dict[str, Any] = {"result_format": "SUMMARY", "partial_unexpected_count": 10}
    if spec.index_columns:
        fmt["unexpected_index_column_names"] = list(spec.index_columns)
    return fmt


def validate(
    proj: Project,
    spec: SuiteSpec,
    frame: pd.DataFrame,
    parameters: dict[str, Any],
    run_id: RunIdentifier,
) -> Any:
    """Run the suite's validation definition on ``frame``; the result is stored by GX."""
    definition = proj.definitions[spec.name]
    return definition.run(
        batch_parameters={"dataframe": frame},
        expectation_parameters=parameters,
        result_format=result_format(spec),
        run_id=run_id,
    )


def run_identifier(gate: str, day: dt.date) -> RunIdentifier:
    return RunIdentifier(run_name=f"{day.isoformat()} {gate}", run_time=dt.datetime.now(dt.UTC))


def build_docs(proj: Project, suite_names: list[str], run_id: RunIdentifier) -> Path | None:
    """Render the pages of this run's results (and their suites) and the index."""
    identifiers: list[Any] = []
    for name in suite_names:
        suite_id = ExpectationSuiteIdentifier(name=name)
        page = proj.docs_dir / "expectations" / (name.replace(".", "/") + ".html")
        if proj.changed or not page.exists():  # suite pages change only with the suites
            identifiers.append(suite_id)
        identifiers.append(
            ValidationResultIdentifier(
                expectation_suite_identifier=suite_id,
                run_id=run_id,
                batch_identifier=f"{DATASOURCE}-{name}",
            )
        )
    try:
        proj.context.build_data_docs(resource_identifiers=identifiers)
    except Exception:  # docs are a convenience: never fail a gate over them
        log.exception("building GX Data Docs failed")
        return None
    return proj.docs_dir / "index.html"
