"""The champion is registered from what the registry holds, not from hook memory: under
Airflow the promotion decision and the champion are saved by different sessions."""

from __future__ import annotations

from pathlib import Path

import keras
import mlflow
import numpy as np
import pytest
import tensorflow as tf
from mlflow.tracking import MlflowClient

from image_classification.core.serving import build_serving_model
from image_classification.datasets import Champion
from image_classification.hooks.tracking import MlflowReportHooks
from image_classification.retraining.registry import CHAMPION_ALIAS, REGISTERED_MODEL


@pytest.fixture
def tracking(tmp_path, monkeypatch) -> MlflowClient:
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    while mlflow.active_run():  # left open by an in-process Kedro session of another test
        mlflow.end_run()
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    mlflow.set_tracking_uri(uri)
    mlflow.set_experiment("tracking-test")
    yield MlflowClient(uri)
    mlflow.set_tracking_uri(None)


def _champion(champion_id: str, fit: str = "crop") -> Champion:
    """A trained model as training leaves it: floats in [0, 1] at its own size."""
    model = keras.Sequential(
        [keras.Input((8, 8, 3)), keras.layers.Flatten(), keras.layers.Dense(2, "softmax")]
    )
    record = {"champion_id": champion_id, "class_names": ["cat", "dog"], "fit": fit}
    return Champion(model=model, record=record)


def _save_in_its_own_session(dataset_name: str, data) -> None:
    """A new hook object in a new MLflow run, as an Airflow task gets."""
    with mlflow.start_run():
        MlflowReportHooks().after_dataset_saved(dataset_name, data, node=None)


def _alias(client: MlflowClient):
    return client.get_model_version_by_alias(REGISTERED_MODEL, CHAMPION_ALIAS)


def test_a_champion_saved_in_another_session_than_its_decision_is_registered(tracking):
    decision = {"promote": True, "run_id": "run-1"}
    _save_in_its_own_session("promotion_decision", decision)
    _save_in_its_own_session("champion", _champion("run-1"))
    assert _alias(tracking).tags["champion_id"] == "run-1"

    # A run that kept its champion saves it again: no new version.
    _save_in_its_own_session("promotion_decision", {"promote": False, "run_id": "run-2"})
    _save_in_its_own_session("champion", _champion("run-1"))
    versions = tracking.search_model_versions(f"name='{REGISTERED_MODEL}'")
    assert len(versions) == 1

    _save_in_its_own_session("champion", _champion("run-3"))
    assert _alias(tracking).tags["champion_id"] == "run-3"
    assert int(_alias(tracking).version) == 2


def test_the_serving_model_is_logged_with_its_signature_example_and_classes(tracking):
    inner = keras.Sequential(
        [keras.Input((8, 8, 3)), keras.layers.Flatten(), keras.layers.Dense(3, "softmax")]
    )
    serving = build_serving_model(inner, ["a", "b", "c"])
    with mlflow.start_run() as run:
        MlflowReportHooks().after_dataset_saved("serving_model", serving, node=None)

    (logged,) = mlflow.search_logged_models(
        experiment_ids=[run.info.experiment_id], output_format="list"
    )
    assert logged.name == "serving_model"
    info = mlflow.models.get_model_info(logged.model_uri)
    (image,) = info.signature.inputs.inputs
    assert (image.name, image.type, image.shape) == (
        "image",
        np.dtype("uint8"),
        (-1, -1, -1, 3),
    )
    assert info.signature.outputs.inputs[0].shape == (-1, 3)
    assert info.saved_input_example_info is not None
    requirements = Path(mlflow.pyfunc.get_model_dependencies(logged.model_uri))
    assert set(requirements.read_text().split()) >= {
        f"tensorflow=={tf.__version__}",
        f"keras=={keras.__version__}",
    }
    loaded = mlflow.pyfunc.load_model(logged.model_uri)
    probabilities = loaded.predict(np.full((2, 20, 13, 3), 90, np.uint8))
    assert np.asarray(probabilities).shape == (2, 3)
    assert mlflow.artifacts.load_dict(
        f"runs:/{run.info.run_id}/serving_model/class_names.json"
    ) == ["a", "b", "c"]


def test_the_registry_champion_serves_raw_images_of_any_size(tracking):
    champion = _champion("run-1")
    _save_in_its_own_session("champion", champion)
    loaded = mlflow.pyfunc.load_model(f"models:/{REGISTERED_MODEL}@{CHAMPION_ALIAS}")
    (image,) = loaded.metadata.get_input_schema().inputs
    assert (image.type, image.shape) == (np.dtype("uint8"), (-1, -1, -1, 3))
    photos = np.random.default_rng(0).integers(0, 256, (2, 30, 20, 3), dtype=np.uint8)
    probabilities = np.asarray(loaded.predict(photos))
    assert probabilities.shape == (2, 2)
    # The same as the champion's own serving model: resized and cropped as trained.
    expected = champion.serving_model().model.predict(photos, verbose=0)
    np.testing.assert_allclose(probabilities, expected, rtol=1e-5, atol=1e-6)
    version = _alias(tracking)
    assert mlflow.artifacts.load_dict(
        f"runs:/{version.run_id}/champion_model/class_names.json"
    ) == ["cat", "dog"]
