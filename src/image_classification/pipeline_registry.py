"""Project pipelines."""

from __future__ import annotations

from kedro.framework.project import find_pipelines
from kedro.pipeline import Pipeline

# The order of the stages; `__default__` runs them all.
STAGES = ("data_validation", "data_split", "augmentation", "training", "diagnostics")


def register_pipelines() -> dict[str, Pipeline]:
    """Register the project's pipelines.

    Returns:
        A mapping from pipeline names to ``Pipeline`` objects.
    """
    pipelines = find_pipelines(raise_errors=True)
    missing = set(STAGES) - set(pipelines)
    if missing:
        raise RuntimeError(f"pipelines not found: {sorted(missing)}")
    pipelines["__default__"] = sum(pipelines[name] for name in STAGES)
    return pipelines
