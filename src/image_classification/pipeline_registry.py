"""Project pipelines."""

from __future__ import annotations

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

    Each stage under its own name; `__default__`, every stage in order; `retraining`
    (what a scheduled job runs), `__default__` then the champion/challenger decision;
    `label_audit` and `predict`, run on their own. Composed here, by name, so that no
    pipeline builds itself from another.

    Returns:
        A mapping from pipeline names to ``Pipeline`` objects.
    """
    import_tensorflow_quietly()  # the stages import it; its notes are not for users
    from image_classification.pipelines import (  # noqa: PLC0415 - after the quiet import
        augmentation,
        data_split,
        data_validation,
        diagnostics,
        label_audit,
        leakage_audit,
        packing,
        predict,
        retraining,
        training,
    )

    stages = {
        "data_validation": data_validation.create_pipeline(),
        "data_split": data_split.create_pipeline(),
        "packing": packing.create_pipeline(),
        "leakage_audit": leakage_audit.create_pipeline(),
        "augmentation": augmentation.create_pipeline(),
        "training": training.create_pipeline(),
        "diagnostics": diagnostics.create_pipeline(),
    }
    every_stage = sum((stages[name] for name in STAGES), Pipeline([]))
    return stages | {
        "__default__": every_stage,
        "retraining": every_stage + retraining.create_pipeline(),
        "label_audit": label_audit.create_pipeline(),
        "predict": predict.create_pipeline(),
    }
