"""The classifier: a small CNN whose capacity and regularization are all parameters,
or a pretrained keras.applications backbone under a new head."""

from __future__ import annotations

import math
from collections.abc import Sequence

import keras

from image_classification.core.errors import InputError
from image_classification.core.params.training import TrainingParams

# The image side ``conv_filters`` are made for (see ``filters_for_size``).
_BASE_SIDE = 32


def make_model(
    *,
    input_shape: Sequence[int],
    num_classes: int,
    conv_filters: Sequence[int],
    kernel_size: int,
    dense_units: int,
    dropout: float,
    l2: float,
    batch_norm: bool = False,
    center_images: bool = False,
) -> keras.Model:
    """Conv-ReLU-MaxPool blocks, then dropout, one dense layer and a softmax.

    With ``center_images`` each image first loses its own mean colour (per channel):
    the overall tint and brightness of a picture (lighting, white balance, a coloured
    background) then need not be learned away before shapes can be, and the model
    gives the same output for an image with a constant added to a channel. Built from
    Keras' own layers, so a saved model loads without this project.

    Dropout sits before the dense layers, where most of the weights are and where a
    small CNN memorizes first; L2 acts on every kernel. Batch normalization between
    each convolution and its ReLU (the convolution then needs no bias) makes the model
    train faster and predict more decisively.
    """
    regularizer = keras.regularizers.L2(l2) if l2 else None
    inputs = keras.Input(shape=tuple(input_shape), name="image")
    x = inputs
    if center_images:
        mean = keras.layers.GlobalAveragePooling2D(keepdims=True, name="mean_colour")(x)
        x = keras.layers.Subtract(name="centered")([x, mean])
    for block, filters in enumerate(conv_filters, start=1):
        x = keras.layers.Conv2D(
            filters,
            kernel_size,
            padding="same",
            use_bias=not batch_norm,
            kernel_regularizer=regularizer,
            name=f"conv{block}",
        )(x)
        if batch_norm:
            x = keras.layers.BatchNormalization(name=f"norm{block}")(x)
        x = keras.layers.ReLU(name=f"relu{block}")(x)
        x = keras.layers.MaxPooling2D(name=f"pool{block}")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    x = keras.layers.Dropout(dropout, name="dropout")(x)
    x = keras.layers.Dense(
        dense_units, activation="relu", kernel_regularizer=regularizer, name="dense"
    )(x)
    outputs = keras.layers.Dense(
        num_classes,
        activation="softmax",
        kernel_regularizer=regularizer,
        dtype="float32",  # probabilities stay float32 under mixed precision
        name="class",
    )(x)
    return keras.Model(inputs, outputs, name="small_cnn")


def filters_for_size(
    conv_filters: Sequence[int], side: int, deepen_with_image: bool
) -> list[int]:
    """The conv blocks for images of ``side`` pixels (the shorter side).

    ``conv_filters`` are the blocks for 32-pixel images, whose three poolings leave a
    4x4 map. With ``deepen_with_image`` a larger image gets one more block per
    doubling of its side (rounded: 48 pixels get one, 96 two), each with twice the
    filters of the one before, so that the last map stays about 4x4: the dense
    layer's inputs then grow with the filters rather than with the pixels, and the
    deeper blocks see whole garments rather than 8-pixel patches. A 64-pixel image
    kept at three blocks leaves an 8x8 map: four times the dense weights to memorize
    with.
    """
    filters = list(conv_filters)
    if deepen_with_image and side > _BASE_SIDE:
        extra = round(math.log2(side / _BASE_SIDE))
        filters += [filters[-1] * 2**block for block in range(1, extra + 1)]
    return filters


def make_backbone_model(
    *,
    backbone: str,
    weights: str | None,
    input_shape: Sequence[int],
    num_classes: int,
    dropout: float,
) -> keras.Model:
    """A ``keras.applications`` backbone, frozen, under a new dropout + softmax head.

    The images arrive in [0, 1]; the backbone's own preprocessing (inside MobileNetV3
    and EfficientNet, for pixels in [0, 255]) follows a rescaling, so the saved model
    needs nothing outside it. The backbone is called in inference mode: its batch
    normalization keeps the statistics it was trained with, also once its top layers
    are unfrozen (Keras' fine-tuning practice: updating them on a small dataset
    destroys what was learned).

    Args:
        backbone: Its ``keras.applications`` name.
        weights: ``imagenet`` (Keras downloads them once), a ``.weights.h5`` file of
            this backbone, or None (random).
        input_shape: ``(height, width, 3)``; at least 32 a side.
        num_classes: Units of the softmax layer.
        dropout: Rate of the dropout before it.
    """
    constructor = getattr(keras.applications, backbone)
    base = constructor(
        include_top=False,
        weights="imagenet" if weights == "imagenet" else None,
        input_shape=tuple(input_shape),
        pooling="avg",
    )
    if weights not in {None, "imagenet"}:
        try:
            base.load_weights(weights)
        except (OSError, ValueError) as error:
            raise InputError(
                f"training.backbone_weights {weights} cannot be loaded into {backbone} "
                f"({str(error).splitlines()[0]}): give a .weights.h5 file saved from "
                f"keras.applications.{backbone}(include_top=False) at this image_size"
            ) from error
    base.trainable = False
    inputs = keras.Input(shape=tuple(input_shape), name="image")
    x = keras.layers.Rescaling(255.0, name="to_0_255")(inputs)
    x = base(x, training=False)
    x = keras.layers.Dropout(dropout, name="dropout")(x)
    outputs = keras.layers.Dense(
        num_classes, activation="softmax", dtype="float32", name="class"
    )(x)
    return keras.Model(inputs, outputs, name=backbone.lower())


def unfreeze_top_layers(model: keras.Model, layers: int) -> None:
    """Make the top ``layers`` layers of the backbone trainable, batch normalization
    excepted (see ``make_backbone_model``)."""
    base = next(layer for layer in model.layers if isinstance(layer, keras.Model))
    base.trainable = True
    for position, layer in enumerate(base.layers):
        top = position >= len(base.layers) - layers
        layer.trainable = top and not isinstance(layer, keras.layers.BatchNormalization)


def compile_model(model: keras.Model, rate, jit_compile: bool) -> None:
    """Adam at ``rate``; the loss, accuracy and the plain cross-entropy (the number
    early stopping and the verdict watch)."""
    model.compile(
        optimizer=keras.optimizers.Adam(rate),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=[
            keras.metrics.SparseCategoricalAccuracy(name="accuracy"),
            keras.metrics.SparseCategoricalCrossentropy(name="crossentropy"),
        ],
        jit_compile=jit_compile,
    )


def learning_rate(
    params: TrainingParams, steps: int
) -> float | keras.optimizers.schedules.LearningRateSchedule:
    """The configured rate, constant or cosine-decayed to zero over ``steps`` batches.

    A decayed rate ends training with small steps that settle the weights, so the last
    epochs gain accuracy and the predicted probabilities become sharper. ``plateau``
    starts at the configured rate; training lowers it when validation stalls (see
    ``training_callbacks``), so its decay follows the data rather than an epoch budget
    fixed in advance. Fitted without validation data (the label audit's fold models),
    ``plateau`` keeps the rate constant.
    """
    if params.learning_rate_schedule == "cosine":
        if steps < 1:
            msg = "training.learning_rate_schedule 'cosine' needs a dataset of known length"
            raise InputError(msg)
        return keras.optimizers.schedules.CosineDecay(params.learning_rate, steps)
    return params.learning_rate


def compiled_model(
    params: TrainingParams,
    *,
    input_shape: Sequence[int],
    num_classes: int,
    steps: int,
) -> keras.Model:
    """The classifier the training parameters describe, compiled with Adam: the small
    CNN, or a frozen backbone under a new head (its fine-tuning is training's job).

    Besides the loss (which carries the L2 penalty) it reports accuracy and the plain
    cross-entropy, the number early stopping and the verdict watch. Mixed precision
    (float16 layers, float32 weights, loss scaling) and XLA compilation pay on a GPU
    and slow a CPU down, so both are parameters.

    Args:
        params: Architecture, regularization and optimizer settings.
        input_shape: ``(height, width, channels)`` of the images.
        num_classes: Units of the softmax layer.
        steps: Batches the whole training will take: the length of a decaying
            learning-rate schedule.
    """
    previous_policy = keras.config.dtype_policy()
    if params.mixed_precision:
        keras.config.set_dtype_policy("mixed_float16")
    try:
        model = _model_of(params, input_shape, num_classes)
    finally:
        keras.config.set_dtype_policy(previous_policy)
    compile_model(model, learning_rate(params, steps), params.jit_compile)
    return model


def _model_of(
    params: TrainingParams, input_shape: Sequence[int], num_classes: int
) -> keras.Model:
    if params.backbone != "small_cnn":
        return make_backbone_model(
            backbone=params.backbone,
            weights=params.backbone_weights,
            input_shape=input_shape,
            num_classes=num_classes,
            dropout=params.dropout,
        )
    return make_model(
        input_shape=input_shape,
        num_classes=num_classes,
        conv_filters=filters_for_size(
            params.conv_filters, min(input_shape[:2]), params.deepen_with_image
        ),
        kernel_size=params.kernel_size,
        dense_units=params.dense_units,
        dropout=params.dropout,
        l2=params.l2,
        batch_norm=params.batch_norm,
        center_images=params.center_images,
    )
