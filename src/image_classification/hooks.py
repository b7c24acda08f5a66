"""Project hooks."""

from __future__ import annotations

import keras
import tensorflow as tf
from kedro.framework.hooks import hook_impl

from image_classification.pipelines.training.params import TrainingParams


class SeedHooks:
    """Start every run from the same random state.

    tf.data and Keras derive per-operation seeds from the global seed, so a second run
    in the same process (a notebook, a test) would otherwise shuffle differently from
    the first. Seeding here, from the `seed` parameter, makes every run of the same
    inputs and parameters give the same split, model and reports. With
    `training.deterministic` TensorFlow's kernels also add in a fixed order, so the
    weights repeat bit for bit; this holds for the rest of the process.
    """

    @hook_impl
    def before_pipeline_run(self, run_params, pipeline, catalog) -> None:
        keras.utils.set_random_seed(catalog.load("params:seed"))
        # A dict, or already the typed model where Kedro validated the parameters.
        training = TrainingParams.model_validate(catalog.load("params:training"))
        if training.deterministic:
            tf.config.experimental.enable_op_determinism()
