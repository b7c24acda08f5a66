"""Project pipelines."""

from __future__ import annotations

from kedro.framework.project import find_pipelines
from kedro.pipeline import Pipeline

from image_classification.core.tensorflow_import import import_tensorflow_quietly

# The stages in the order data flows through them; `__default__` runs them all.
STAGES = (
    "data_validation",
    "data_split",
    "packing",
    "leakage_audit",
    "augmentation",
    "training",
    "diagnostics",
)


def register_pipelines() -> dict[str, Pipeline]:
    """Register the project's pipelines.

    `kedro run --pipeline NAME` makes Kedro discover only the pipelines asked for, so
    `__default__` is assembled only when every stage was found. `retraining` (what a
    scheduled job runs: every stage, then the champion/challenger decision) builds
    itself from the stages.

    Returns:
        A mapping from pipeline names to ``Pipeline`` objects.
    """
    import_tensorflow_quietly()  # the stages import it; its notes are not for users
    pipelines = find_pipelines(raise_errors=True)
    if set(STAGES) <= set(pipelines):
        pipelines["__default__"] = sum(pipelines[name] for name in STAGES)
    return pipelines
