"""Pretrained backbones: weights from a local file (never downloaded in tests), a frozen
phase, then fine-tuning of the top layers only."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from image_classification.core.errors import InputError
from image_classification.core.model import make_backbone_model
from tests.pipelines.training.test_nodes import _params, _toy_datasets, _trained

SIDE = 32


@pytest.fixture(autouse=True)
def _checkpoints_in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def _weights_file(tmp_path, backbone: str) -> tuple[str, list[np.ndarray]]:
    """A backbone with random weights saved as a weights file, and those weights."""
    keras.utils.set_random_seed(7)
    base = getattr(keras.applications, backbone)(
        include_top=False, weights=None, input_shape=(SIDE, SIDE, 3), pooling="avg"
    )
    path = str(tmp_path / f"{backbone}.weights.h5")
    base.save_weights(path)
    return path, [np.asarray(w) for w in base.weights]


def _backbone_of(model: keras.Model) -> keras.Model:
    return next(layer for layer in model.layers if isinstance(layer, keras.Model))


@pytest.mark.parametrize("backbone", ["MobileNetV3Small", "EfficientNetB0"])
def test_weights_file_is_loaded_into_the_backbone(tmp_path, backbone):
    path, saved = _weights_file(tmp_path, backbone)
    keras.utils.set_random_seed(99)  # a different random start, overwritten by the file
    model = make_backbone_model(
        backbone=backbone,
        weights=path,
        input_shape=(SIDE, SIDE, 3),
        num_classes=3,
        dropout=0.2,
    )
    loaded = [np.asarray(w) for w in _backbone_of(model).weights]
    assert len(loaded) == len(saved)
    for after, before in zip(loaded, saved, strict=True):
        np.testing.assert_array_equal(after, before)
    assert not _backbone_of(model).trainable


def test_a_file_of_another_model_is_one_clear_error(tmp_path):
    path, _ = _weights_file(tmp_path, "MobileNetV3Small")
    with pytest.raises(InputError, match="cannot be loaded into EfficientNetB0"):
        make_backbone_model(
            backbone="EfficientNetB0",
            weights=path,
            input_shape=(SIDE, SIDE, 3),
            num_classes=3,
            dropout=0.2,
        )


def test_training_fine_tunes_only_the_top_layers_after_the_frozen_phase(tmp_path):
    path, saved = _weights_file(tmp_path, "MobileNetV3Small")
    train, sample, validation, manifest = _toy_datasets(count=48, side=SIDE)
    params = _params(
        backbone="MobileNetV3Small",
        backbone_weights=path,
        frozen_epochs=1,
        fine_tune_layers=6,
        max_epochs=2,
        patience=5,
    )

    model, history = _trained(
        train, sample, validation, manifest, ["dark", "bright"], params, seed=1
    )

    assert list(history["epoch"]) == [1, 2]
    base = _backbone_of(model)
    top = {id(w) for layer in base.layers[-6:] for w in layer.trainable_weights}
    after = dict(zip([id(w) for w in base.weights], base.weights, strict=True))
    changed = {
        key
        for key, before in zip(after, saved, strict=True)
        if not np.array_equal(np.asarray(after[key]), before)
    }
    assert changed, "fine-tuning changed no backbone weight"
    assert changed <= top, "a layer below the top fine_tune_layers was trained"
