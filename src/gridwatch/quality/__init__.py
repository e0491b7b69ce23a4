"""Quality gates: leaders never see a number built on a broken delivery.

What the pipeline, the tasks and the command line use. The gates are in
``gates``, their suites in ``suites``, the frames they validate in ``frames``,
the Great Expectations side in ``gx`` (imported on first use, never here) and
the results in ``results``.
"""

from gridwatch.quality.gates import (
    check_batches,
    check_marts,
    check_serving_file,
    render_reports,
    serving_check,
    validate_batches,
    validate_day,
    validate_marts,
)
from gridwatch.quality.results import GateReport, QualityGateError

__all__ = [
    "GateReport",
    "QualityGateError",
    "check_batches",
    "check_marts",
    "check_serving_file",
    "render_reports",
    "serving_check",
    "validate_batches",
    "validate_day",
    "validate_marts",
]
