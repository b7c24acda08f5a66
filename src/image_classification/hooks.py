"""Project hooks."""

from __future__ import annotations

import keras
from kedro.framework.hooks import hook_impl


class SeedHooks:
    """Start every run from the same random state.

    tf.data and Keras derive per-operation seeds from the global seed, so a second run
    in the same process (a notebook, a test) would otherwise shuffle differently from
    the first. Seeding here, from the `seed` parameter, makes every run of the same
    inputs and parameters give the same split, model and reports.
    """

    @hook_impl
    def before_pipeline_run(self, run_params, pipeline, catalog) -> None:
        keras.utils.set_random_seed(catalog.load("params:seed"))
