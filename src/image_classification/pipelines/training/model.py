"""The classifier: a small CNN whose capacity and regularization are all parameters."""

from __future__ import annotations

from collections.abc import Sequence

import keras

from .params import TrainingParams


def make_model(
    *,
    input_shape: Sequence[int],
    num_classes: int,
    conv_filters: Sequence[int],
    kernel_size: int,
    dense_units: int,
    dropout: float,
    l2: float,
) -> keras.Model:
    """Conv-ReLU-MaxPool blocks, then dropout, one dense layer and a softmax.

    Dropout sits before the dense layers, where most of the weights are and where a
    small CNN memorizes first; L2 acts on every kernel.
    """
    regularizer = keras.regularizers.L2(l2) if l2 else None
    inputs = keras.Input(shape=tuple(input_shape), name="image")
    x = inputs
    for block, filters in enumerate(conv_filters, start=1):
        x = keras.layers.Conv2D(
            filters,
            kernel_size,
            padding="same",
            activation="relu",
            kernel_regularizer=regularizer,
            name=f"conv{block}",
        )(x)
        x = keras.layers.MaxPooling2D(name=f"pool{block}")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    x = keras.layers.Dropout(dropout, name="dropout")(x)
    x = keras.layers.Dense(
        dense_units, activation="relu", kernel_regularizer=regularizer, name="dense"
    )(x)
    outputs = keras.layers.Dense(
        num_classes, activation="softmax", kernel_regularizer=regularizer, name="class"
    )(x)
    return keras.Model(inputs, outputs, name="small_cnn")


def compiled_model(
    params: TrainingParams, *, input_shape: Sequence[int], num_classes: int
) -> keras.Model:
    """The classifier the training parameters describe, compiled with Adam.

    Besides the loss (which carries the L2 penalty) it reports accuracy and the plain
    cross-entropy, the number early stopping and the verdict watch.
    """
    model = make_model(
        input_shape=input_shape,
        num_classes=num_classes,
        conv_filters=params.conv_filters,
        kernel_size=params.kernel_size,
        dense_units=params.dense_units,
        dropout=params.dropout,
        l2=params.l2,
    )
    model.compile(
        optimizer=keras.optimizers.Adam(params.learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=[
            keras.metrics.SparseCategoricalAccuracy(name="accuracy"),
            keras.metrics.SparseCategoricalCrossentropy(name="crossentropy"),
        ],
    )
    return model
