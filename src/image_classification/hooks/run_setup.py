"""The hooks that set a run up: its parameters checked, its seed set, the object
store's credentials handed to fsspec."""

from __future__ import annotations

import fsspec.config
from kedro.config import MissingConfigException
from kedro.framework.hooks import hook_impl

from image_classification.core.params.project import checked_parameters
from image_classification.core.params.training import TrainingParams

# The entry of conf/local/credentials.yml with the object store's storage options.
STORAGE_CREDENTIALS = "object_storage"


class ParameterCheckHooks:
    """Refuse a misspelled or out-of-range parameter before the run writes anything.

    Kedro checks a typed parameter when the catalog is built, and only for the nodes
    of the run; a key that no node reads is ignored. Checking every parameter here,
    when the context is made, refuses ``trainng.max_epochs=2`` too, in one line.
    """

    @hook_impl(tryfirst=True)  # before kedro-mlflow opens its tracking store
    def after_context_created(self, context) -> None:
        checked_parameters(context.config_loader["parameters"])


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
        # TensorFlow when a run starts, not when Kedro reads the settings: `kedro
        # catalog`, `kedro viz` and the Airflow scheduler load them without training.
        import keras  # noqa: PLC0415
        import tensorflow as tf  # noqa: PLC0415

        keras.utils.set_random_seed(catalog.load("params:seed"))
        # A dict, or already the typed model where Kedro validated the parameters.
        training = TrainingParams.model_validate(catalog.load("params:training"))
        if training.deterministic:
            tf.config.experimental.enable_op_determinism()


class StorageCredentialsHooks:
    """Every fsspec filesystem of the run uses the credentials of the object store.

    Kedro hands ``credentials:`` to catalog entries only; the raw images are also read
    outside the catalog (each validation worker, the figures). So the entry
    ``object_storage`` of ``conf/local/credentials.yml``, storage options per protocol
    (``s3: {key: ..., secret: ...}``), becomes fsspec's configuration for that protocol,
    which every filesystem it creates in this process starts from, and which the
    validation workers are handed. Without it each client finds its credentials as it
    usually does (``AWS_*`` variables, ``~/.aws``, a machine role).
    """

    @hook_impl
    def after_context_created(self, context) -> None:
        try:
            credentials = context.config_loader["credentials"]
        except MissingConfigException:  # no credentials file anywhere
            return
        for protocol, options in (credentials.get(STORAGE_CREDENTIALS) or {}).items():
            fsspec.config.conf[protocol] = dict(options)
