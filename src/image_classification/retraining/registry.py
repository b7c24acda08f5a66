"""The MLflow model registry's view of the champion: each promoted model registered as
its serving model, the alias ``champion`` on the one in charge."""

from __future__ import annotations

import mlflow
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from image_classification.datasets import Champion

REGISTERED_MODEL = "image_classification"
CHAMPION_ALIAS = "champion"
# The tag of a registered model version that names the champion folder it was saved as.
CHAMPION_ID_TAG = "champion_id"


def registered_champion_id(client: MlflowClient) -> str | None:
    """The champion folder the registry's ``champion`` alias names; None when unset."""
    try:
        version = client.get_model_version_by_alias(REGISTERED_MODEL, CHAMPION_ALIAS)
    except MlflowException:  # no such model or alias yet
        return None
    return version.tags.get(CHAMPION_ID_TAG)


def register_champion(champion: Champion) -> None:
    """Register the champion just saved and point the ``champion`` alias at it, unless
    the alias names it already (a run that kept its champion, or a task run again).

    What is registered is the serving model, with its signature: whoever loads
    ``models:/image_classification@champion`` hands it images as files decode to,
    not floats at the training size."""
    client = MlflowClient()
    champion_id = champion.record["champion_id"]
    if registered_champion_id(client) == champion_id:
        return
    info = log_serving_model(
        champion.serving_model(),
        name="champion_model",
        registered_model_name=REGISTERED_MODEL,
    )
    version = info.registered_model_version
    client.set_model_version_tag(REGISTERED_MODEL, version, CHAMPION_ID_TAG, champion_id)
    client.set_registered_model_alias(REGISTERED_MODEL, CHAMPION_ALIAS, version)


def log_serving_model(
    serving, name: str = "serving_model", registered_model_name: str | None = None
):
    """Log the serving model with its signature (uint8 images of any size in, one
    probability per class out), an input example and its class names; registered
    under ``registered_model_name`` when given. Returns MLflow's ``ModelInfo``."""
    import numpy as np  # noqa: PLC0415
    from mlflow.models import ModelSignature  # noqa: PLC0415
    from mlflow.types import Schema, TensorSpec  # noqa: PLC0415

    from image_classification.core.serving import serving_image_size  # noqa: PLC0415

    signature = ModelSignature(
        inputs=Schema([TensorSpec(np.dtype(np.uint8), (-1, -1, -1, 3), "image")]),
        outputs=Schema([TensorSpec(np.dtype(np.float32), (-1, len(serving.class_names)))]),
    )
    example = np.full((1, *serving_image_size(serving), 3), 128, np.uint8)
    # The TensorFlow flavour: MLflow's Keras flavour writes the input example before
    # creating the model's folder and fails.
    # MLflow checks the example by predicting it: no Keras progress bar for that.
    import keras  # noqa: PLC0415

    was_interactive = keras.utils.is_interactive_logging_enabled()
    keras.utils.disable_interactive_logging()
    try:
        info = mlflow.tensorflow.log_model(
            serving.model,
            name=name,
            registered_model_name=registered_model_name,
            signature=signature,
            input_example=example,
            # Named, not inferred: inferring them loads the model again in a new
            # Python process, 7 of the 8 s this call took on the demo.
            pip_requirements=[
                *mlflow.tensorflow.get_default_pip_requirements(),
                f"keras=={keras.__version__}",
            ],
        )
    finally:
        if was_interactive:
            keras.utils.enable_interactive_logging()
    mlflow.log_dict(serving.class_names, f"{name}/class_names.json")
    return info
