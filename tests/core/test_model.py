"""The model factory: layers follow the parameters, the rate follows its schedule,
and a larger image gets a deeper model whose last map stays small."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from image_classification.core.errors import InputError
from image_classification.core.model import compiled_model, learning_rate, make_model
from tests.pipelines.training.test_nodes import _params


def test_model_layers_follow_the_parameters():
    model = make_model(
        input_shape=(32, 32, 3),
        num_classes=5,
        conv_filters=[8, 16, 24],
        kernel_size=5,
        dense_units=12,
        dropout=0.25,
        l2=0.01,
    )
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    assert [conv.filters for conv in convs] == [8, 16, 24]
    assert convs[0].kernel_size == (5, 5)
    assert model.get_layer("dropout").rate == 0.25
    assert model.get_layer("dense").units == 12
    assert model.output_shape == (None, 5)
    assert all(conv.kernel_regularizer.l2 == pytest.approx(0.01) for conv in convs)
    assert not any(isinstance(layer, keras.layers.Lambda) for layer in model.layers)
    assert not any(
        isinstance(layer, keras.layers.BatchNormalization) for layer in model.layers
    )


def test_batch_norm_follows_each_convolution_which_then_has_no_bias():
    model = make_model(
        input_shape=(16, 16, 3),
        num_classes=2,
        conv_filters=[4, 8],
        kernel_size=3,
        dense_units=4,
        dropout=0.0,
        l2=0.0,
        batch_norm=True,
    )
    names = [layer.name for layer in model.layers]
    assert names.index("norm1") == names.index("conv1") + 1
    assert names.index("norm2") == names.index("conv2") + 1
    assert not model.get_layer("conv1").use_bias


def test_centered_model_ignores_a_colour_cast_and_survives_a_save(tmp_path):
    """Adding a constant to a channel (a tint, a brighter picture) leaves the output
    unchanged; without centering it changes. Keras alone loads the saved model."""
    shape = dict(input_shape=(16, 16, 3), num_classes=3, conv_filters=[4, 8])
    rest = dict(kernel_size=3, dense_units=8, dropout=0.0, l2=0.0)
    keras.utils.set_random_seed(0)
    centered = make_model(**shape, **rest, center_images=True)
    keras.utils.set_random_seed(0)
    plain = make_model(**shape, **rest)
    images = np.random.default_rng(0).uniform(0, 0.7, (4, 16, 16, 3)).astype("float32")
    tinted = images + np.array([0.3, -0.2, 0.1], "float32")
    np.testing.assert_allclose(centered(tinted), centered(images), atol=1e-5)
    assert not np.allclose(plain(tinted), plain(images), atol=1e-3)
    centered.save(tmp_path / "centered.keras")
    loaded = keras.models.load_model(tmp_path / "centered.keras", safe_mode=True)
    np.testing.assert_allclose(loaded(tinted), centered(images), atol=1e-5)


def test_cosine_schedule_decays_the_rate_to_zero_over_the_whole_training():
    schedule = learning_rate(
        _params(learning_rate_schedule="cosine", learning_rate=0.01), steps=100
    )
    assert float(schedule(0)) == pytest.approx(0.01)
    assert float(schedule(50)) == pytest.approx(0.005, rel=1e-3)
    assert float(schedule(100)) == pytest.approx(0.0, abs=1e-9)
    assert learning_rate(_params(learning_rate=0.01), steps=100) == 0.01


def test_cosine_schedule_refuses_a_dataset_of_unknown_length():
    with pytest.raises(InputError, match="known length"):
        compiled_model(
            _params(learning_rate_schedule="cosine"),
            input_shape=(16, 16, 3),
            num_classes=2,
            steps=-2,
        )


@pytest.mark.parametrize(
    ("side", "deepen", "blocks", "last_map"),
    [(32, True, 3, 4), (64, True, 4, 4), (96, True, 5, 3), (64, False, 3, 8)],
)
def test_larger_images_get_deeper_models_whose_last_map_stays_small(
    side, deepen, blocks, last_map
):
    params = _params(conv_filters=[4, 8, 16], dense_units=8, deepen_with_image=deepen)
    model = compiled_model(params, input_shape=(side, side, 3), num_classes=3, steps=1)
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    assert [conv.filters for conv in convs] == [4, 8, 16, 32, 64][:blocks]
    assert model.get_layer("flatten").input.shape[1:] == (
        last_map,
        last_map,
        16 * 2 ** (blocks - 3),
    )


def test_zero_l2_adds_no_regularizer():
    model = make_model(
        input_shape=(16, 16, 3),
        num_classes=2,
        conv_filters=[4],
        kernel_size=3,
        dense_units=4,
        dropout=0.0,
        l2=0.0,
    )
    assert model.losses == []


def test_mixed_precision_computes_in_float16_and_predicts_in_float32():
    model = compiled_model(
        _params(mixed_precision=True, jit_compile=True),
        input_shape=(16, 16, 3),
        num_classes=2,
        steps=10,
    )
    assert model.get_layer("conv1").compute_dtype == "float16"
    assert model.get_layer("conv1").variable_dtype == "float32"
    assert model.get_layer("class").compute_dtype == "float32"
    assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
    assert model.jit_compile
    # The global policy is left as it was for every later model.
    plain = compiled_model(_params(), input_shape=(16, 16, 3), num_classes=2, steps=10)
    assert plain.get_layer("conv1").compute_dtype == "float32"
    assert not plain.jit_compile
