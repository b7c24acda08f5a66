"""The model follows its parameters; training stops on validation cross-entropy."""

from __future__ import annotations

from pathlib import Path

import keras
import mlflow
import numpy as np
import pandas as pd
import pytest
import tensorflow as tf
from mlflow.tracking import MlflowClient
from pydantic import ValidationError

from image_classification.core.model import (
    compile_model,
)
from image_classification.core.params.training import TrainingParams
from image_classification.core.storage import replace_file
from image_classification.hooks.tracking import MlflowReportHooks
from image_classification.pipelines.training import checkpoints, nodes
from image_classification.pipelines.training.checkpoints import (
    checkpoint_directory,
    training_callbacks,
)
from image_classification.pipelines.training.nodes import (
    class_weights,
    evaluate_model,
    plan_training,
    train_model,
)
from image_classification.pipelines.training.train_evaluation import sample_metrics
from tests.conftest import base_parameters

SMALL = {"conv_filters": [4, 8], "dense_units": 8, "max_epochs": 3, "verbose": 0}


def _params(**overrides) -> TrainingParams:
    return TrainingParams(**base_parameters("training") | SMALL | overrides)


@pytest.fixture(autouse=True)
def _checkpoints_in_tmp(tmp_path, monkeypatch):
    """The configured checkpoint directory is relative: keep it out of the project."""
    monkeypatch.chdir(tmp_path)


def _toy_manifest(count: int = 48) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "relative_path": [f"{i}.png" for i in range(count)],
            "pixel_hash": [f"{i:x}" for i in range(count)],
            "label_index": [i % 2 for i in range(count)],
            "split": ["train"] * count,
        }
    )


def _trained(train, sample, validation, manifest, class_names, params, seed):  # noqa: PLR0917
    """The training pipeline's two nodes: the plan, then the fit."""
    plan = plan_training(manifest, class_names, params, seed)
    return train_model(train, sample, validation, plan, params)


def _toy_datasets(count: int = 48, seed: int = 0, side: int = 16):
    """Two classes a CNN separates at once: images with a dark or a bright centre
    (a contrast, which centring on the mean colour keeps), as training batches, the
    training sample and validation batches, and a manifest."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, size=count)
    images = rng.uniform(0, 0.4, size=(count, side, side, 3))
    centre = slice(side // 4, 3 * side // 4)
    images[:, centre, centre] += labels[:, None, None, None] * 0.5
    dataset = tf.data.Dataset.from_tensor_slices((images.astype("float32"), labels))
    return dataset.batch(16), dataset.batch(16), dataset.batch(16), _toy_manifest(count)


def test_training_returns_a_model_and_a_history_with_plain_crossentropy():
    params = _params(l2=1e-3)
    model, history = _trained(*_toy_datasets(), ["dark", "bright"], params, seed=0)
    assert list(history["epoch"]) == [1, 2, 3]
    for column in ("loss", "crossentropy", "accuracy", "val_crossentropy", "val_accuracy"):
        assert column in history.columns
    # val_loss carries the L2 penalty; the cross-entropy early stopping watches does not.
    assert (history["val_loss"] > history["val_crossentropy"]).all()
    assert model.output_shape == (None, 2)


def test_each_epoch_reaches_mlflow_while_training_and_the_history_adds_no_twin(
    tmp_path,
):
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path}/mlflow.db")
    try:
        with mlflow.start_run() as run:
            _, history = _trained(*_toy_datasets(), ["a", "b"], _params(), seed=0)
            client = MlflowClient()
            # Logged by the epochs themselves: no hook has seen the history yet.
            logged = client.get_metric_history(run.info.run_id, "val_accuracy")
            assert [m.step for m in logged] == [1, 2, 3]
            assert [m.value for m in logged] == pytest.approx(list(history["val_accuracy"]))
            MlflowReportHooks().after_dataset_saved("training_history", history, None)
            again = client.get_metric_history(run.info.run_id, "val_accuracy")
            assert len(again) == 3
            assert (
                len(client.get_metric_history(run.info.run_id, "train_eval_accuracy")) == 3
            )
    finally:
        mlflow.set_tracking_uri(None)


def test_early_stopping_fires_after_patience_epochs_without_improvement():
    train, sample, validation, manifest = _toy_datasets()
    # A vanishing learning rate leaves the weights, and so the validation loss, unchanged.
    params = _params(learning_rate=1e-12, max_epochs=20, patience=2)
    model, history = _trained(
        train, sample, validation, manifest, ["dark", "bright"], params, 0
    )
    assert len(history) == 3
    metrics = evaluate_model(
        model, history, validation, validation, ["dark", "bright"], params
    )
    assert metrics["stop_reason"] == "early_stopping"
    assert metrics["epochs_run"] == 3
    assert metrics["best_epoch"] == 1


@pytest.mark.parametrize(
    ("patience_batches", "epochs_between_cuts"), [(6, 2), (4, 2), (3, 1)]
)
def test_plateau_schedule_cuts_the_rate_after_its_patience_in_batches(
    patience_batches, epochs_between_cuts
):
    train, sample, validation, manifest = _toy_datasets()  # 3 batches an epoch
    # A vanishing learning rate leaves the validation loss unchanged: a plateau.
    params = _params(
        learning_rate=1e-12,
        learning_rate_schedule="plateau",
        plateau_patience_batches=patience_batches,
        plateau_factor=0.5,
        max_epochs=6,
        patience=10,
    )
    _, history = _trained(train, sample, validation, manifest, ["a", "b"], params, 0)
    # Each epoch logs the rate it trained with. The first epoch sets the best; the rate
    # is cut after each run of ``epochs_between_cuts`` epochs without improvement.
    cuts = [max(0, epoch - 2) // epochs_between_cuts for epoch in range(1, 7)]
    expected = [1e-12 * 0.5**cut for cut in cuts]
    np.testing.assert_allclose(history["learning_rate"], expected, rtol=1e-5)


def test_constant_schedule_keeps_the_rate_and_logs_no_rate():
    params = _params(learning_rate_schedule="constant")
    _, history = _trained(*_toy_datasets(), ["a", "b"], params, seed=0)
    assert "learning_rate" not in history.columns


def test_same_seed_gives_the_same_history():
    first = _trained(*_toy_datasets(), ["dark", "bright"], _params(), seed=5)[1]
    second = _trained(*_toy_datasets(), ["dark", "bright"], _params(), seed=5)[1]
    assert (first["epoch_seconds"] > 0).all()  # wall time: the one column that varies
    np.testing.assert_allclose(
        first.drop(columns="epoch_seconds").to_numpy(),
        second.drop(columns="epoch_seconds").to_numpy(),
        rtol=1e-5,
    )


def test_evaluation_reports_the_restored_best_model():
    train, sample, validation, manifest = _toy_datasets()
    params = _params(max_epochs=4)
    model, history = _trained(
        train, sample, validation, manifest, ["dark", "bright"], params, 0
    )
    metrics = evaluate_model(
        model, history, validation, validation, ["dark", "bright"], params
    )
    best = history.loc[history["val_crossentropy"].idxmin()]
    assert metrics["best_epoch"] == best["epoch"]
    assert metrics["validation_crossentropy"] == pytest.approx(
        best["val_crossentropy"], 1e-3
    )
    assert metrics["test_accuracy"] == metrics["validation_accuracy"]
    assert metrics["stop_reason"] == "max_epochs"


def test_honest_training_metrics_are_the_sample_measured_in_inference_mode():
    train, sample, validation, manifest = _toy_datasets()
    params = _params(max_epochs=4, dropout=0.5)
    model, history = _trained(train, sample, validation, manifest, ["a", "b"], params, 0)
    best = history.loc[history["val_crossentropy"].idxmin()]
    # The restored model is the best epoch's: measuring the sample with it again gives
    # the logged figures, which Keras' dropout-on training loss does not.
    again = model.evaluate(sample, return_dict=True, verbose=0)
    assert best["train_eval_crossentropy"] == pytest.approx(again["crossentropy"], 1e-4)
    assert best["train_eval_accuracy"] == pytest.approx(again["accuracy"])
    assert best["train_eval_crossentropy"] != pytest.approx(best["crossentropy"], 1e-3)


def test_sample_metrics_match_keras_crossentropy_and_accuracy():
    probabilities = np.array([[0.7, 0.3], [0.2, 0.8], [0.6, 0.4], [1.0, 0.0]])
    labels = np.array([0, 1, 1, 1])
    metrics = sample_metrics(labels, probabilities)
    expected = keras.losses.sparse_categorical_crossentropy(labels, probabilities)
    assert metrics["crossentropy"] == pytest.approx(float(np.mean(expected)), 1e-5)
    assert metrics["accuracy"] == 0.5


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"dropout": 1.5}, "dropout"),
        ({"patience": -1}, "patience"),
        ({"conv_filters": []}, "conv_filters"),
        ({"learning_rate": 0}, "learning_rate"),
        ({"dropuot": 0.2}, "dropuot"),
    ],
)
def test_bad_values_are_refused_naming_the_parameter(overrides, field):
    with pytest.raises(ValidationError, match=field):
        _params(**overrides)


class _Interrupted(Exception):
    pass


class _InterruptAfter(keras.callbacks.Callback):
    """Kills training at the end of an epoch, after every other callback has run."""

    def __init__(self, epochs: int):
        super().__init__()
        self.epochs = epochs

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 == self.epochs:
            raise _Interrupted


def test_an_interrupted_training_resumes_from_the_last_finished_epoch(
    monkeypatch, tmp_path
):
    params = _params(max_epochs=5, patience=10)
    started = []

    class _RecordEpochs(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            started.append(epoch + 1)

    def interrupted_callbacks(*args):
        return [_RecordEpochs(), *training_callbacks(*args), _InterruptAfter(2)]

    monkeypatch.setattr(nodes, "training_callbacks", interrupted_callbacks)
    with pytest.raises(_Interrupted):
        _trained(*_toy_datasets(), ["dark", "bright"], params, seed=0)
    assert started == [1, 2]

    def recorded_callbacks(*args):
        return [_RecordEpochs(), *training_callbacks(*args)]

    monkeypatch.setattr(nodes, "training_callbacks", recorded_callbacks)
    train, sample, validation, manifest = _toy_datasets()
    model, history = _trained(
        train, sample, validation, manifest, ["dark", "bright"], params, 0
    )
    assert started == [1, 2, 3, 4, 5]  # the second run began at epoch 3
    assert list(history["epoch"]) == [1, 2, 3, 4, 5]
    # The model holds the best epoch's weights, wherever that epoch ran.
    restored = model.evaluate(validation, return_dict=True, verbose=0)
    assert restored["crossentropy"] == pytest.approx(
        history["val_crossentropy"].min(), rel=1e-4
    )
    # Finished: the checkpoints are gone, so the same inputs would train afresh.
    assert not any((tmp_path / params.checkpoint_dir).iterdir())


def test_a_run_killed_while_writing_its_backup_resumes_from_the_last_whole_one(
    monkeypatch, tmp_path
):
    params = _params(max_epochs=4, patience=10)
    started, backups = [], []
    save_weights = keras.Model.save_weights

    class _RecordEpochs(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            started.append(epoch + 1)

    def dies_writing_the_second_backup(model, filepath, *args, **kwargs):
        if "backup" in str(filepath):
            backups.append(filepath)
            if len(backups) == 2:
                Path(filepath).write_bytes(b"\x89HDF\r\n\x1a\n")  # cut short
                raise _Interrupted
        return save_weights(model, filepath, *args, **kwargs)

    def recorded_callbacks(*args):
        return [_RecordEpochs(), *training_callbacks(*args)]

    monkeypatch.setattr(nodes, "training_callbacks", recorded_callbacks)
    monkeypatch.setattr(keras.Model, "save_weights", dies_writing_the_second_backup)
    with pytest.raises(_Interrupted):
        _trained(*_toy_datasets(), ["dark", "bright"], params, seed=0)
    monkeypatch.setattr(keras.Model, "save_weights", save_weights)
    _, history = _trained(*_toy_datasets(), ["dark", "bright"], params, seed=0)
    assert started == [1, 2, 2, 3, 4]  # epoch 2's backup was never whole: it ran again
    assert list(history["epoch"]) == [1, 2, 3, 4]


def test_a_checkpoint_write_that_dies_leaves_the_previous_file_whole(tmp_path):
    target = tmp_path / "history.csv"
    target.write_text("epoch,loss\n0,0.9\n")

    def dies_halfway(path):
        Path(path).write_text("epoch,loss\n0,0.9\n1,0.")
        raise _Interrupted

    with pytest.raises(_Interrupted):
        replace_file(str(target), dies_halfway)
    assert target.read_text() == "epoch,loss\n0,0.9\n"
    replace_file(str(target), lambda path: Path(path).write_text("epoch,loss\n"))
    assert target.read_text() == "epoch,loss\n"
    assert [path.name for path in tmp_path.iterdir()] == ["history.csv"]


def test_every_checkpoint_file_is_replaced_whole(monkeypatch, tmp_path):
    """Log, best weights and backup: none is written in place, where a kill mid-write
    would leave a file the resumed run cannot read."""
    params = _params(max_epochs=5, patience=10)
    replaced = set()

    def recorded_replace_file(path, write, suffix=""):
        replaced.add(Path(path).resolve())
        replace_file(path, write, suffix)

    def interrupted_callbacks(*args):
        return [*training_callbacks(*args), _InterruptAfter(2)]

    monkeypatch.setattr(checkpoints, "replace_file", recorded_replace_file)
    monkeypatch.setattr(nodes, "training_callbacks", interrupted_callbacks)
    with pytest.raises(_Interrupted):
        _trained(*_toy_datasets(), ["dark", "bright"], params, seed=0)
    written = {path.resolve() for path in tmp_path.rglob("*") if path.is_file()}
    assert {path.name for path in written} >= {"history.csv", "best.weights.h5"}
    assert any("backup" in str(path) for path in written)
    assert written == replaced


def test_changed_parameters_do_not_resume_from_another_runs_checkpoints():
    manifest = _toy_manifest()
    first = checkpoint_directory(manifest, _params(), seed=0)
    assert first == checkpoint_directory(manifest, _params(verbose=2), seed=0)
    assert first != checkpoint_directory(manifest, _params(dropout=0.1), seed=0)
    assert first != checkpoint_directory(manifest, _params(), seed=1)
    relabelled = manifest.assign(label_index=1 - manifest["label_index"])
    assert first != checkpoint_directory(relabelled, _params(), seed=0)


def test_balanced_class_weights_make_each_class_count_alike():
    manifest = _toy_manifest(40)
    manifest["label_index"] = [0] * 30 + [1] * 10
    manifest.loc[0, "split"] = "test"  # only training images count
    weights = class_weights(manifest, num_classes=3, class_weight="balanced")
    assert weights[0] * 29 == pytest.approx(weights[1] * 10)
    assert weights[0] * 29 + weights[1] * 10 == pytest.approx(39)
    assert weights[2] == 1.0  # no training images: nothing to weigh
    assert class_weights(manifest, num_classes=3, class_weight="none") is None


def test_balanced_accuracy_and_recalls_expose_a_model_that_ignores_a_small_class():
    # Nine images of class 0 for one of class 1; the model always says class 0.
    images = np.zeros((10, 4, 4, 3), np.float32)
    labels = np.array([0] * 9 + [1])
    dataset = tf.data.Dataset.from_tensor_slices((images, labels)).batch(4)
    inputs = keras.Input((4, 4, 3))
    flat = keras.layers.Flatten()(inputs)
    outputs = keras.layers.Dense(2, activation="softmax", bias_initializer="ones")(flat)
    model = keras.Model(inputs, outputs)
    model.layers[-1].set_weights([np.zeros((48, 2)), np.array([2.0, 0.0])])
    compile_model(model, 0.001, jit_compile=False)
    history = pd.DataFrame({"epoch": [1], "val_crossentropy": [0.5]})
    metrics = evaluate_model(
        model, history, dataset, dataset, ["common", "rare"], _params(max_epochs=1)
    )
    assert metrics["test_accuracy"] == pytest.approx(0.9)
    assert metrics["test_balanced_accuracy"] == pytest.approx(0.5)
    assert metrics["validation_balanced_accuracy"] == pytest.approx(0.5)
    assert metrics["test_recall_by_class"] == {"common": 1.0, "rare": 0.0}
