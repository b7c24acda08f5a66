"""Nodes of the training pipeline."""

from __future__ import annotations

import keras
import pandas as pd
import tensorflow as tf

from image_classification.core.model import (
    compile_model,
    compiled_model,
    unfreeze_top_layers,
)
from image_classification.core.params.training import TrainingParams

from .checkpoints import (
    checkpoint_directory,
    checkpoint_folder,
    finish_training,
    training_callbacks,
)


def train_model(  # noqa: PLR0917 - Kedro passes node inputs by position
    train_dataset: tf.data.Dataset,
    train_sample_dataset: tf.data.Dataset,
    validation_dataset: tf.data.Dataset,
    split_manifest: pd.DataFrame,
    class_names: list[str],
    params: TrainingParams,
    seed: int,
) -> tuple[keras.Model, pd.DataFrame]:
    """Fit the model with Adam and early stopping on the validation cross-entropy.

    Keras' ``val_loss`` includes the L2 penalty, which grows or shrinks with the
    weights, not with how well the model predicts; early stopping watches the plain
    cross-entropy (``val_crossentropy``) instead, and the best epoch's weights are
    restored. After every epoch a fixed sample of training images is evaluated like the
    validation split (``train_eval_*`` columns): the honest training curve. A run
    interrupted after epoch k resumes from epoch k when started again with the same
    data, parameters and seed (see ``checkpoints``).

    A backbone (``training.backbone``) trains its new head for ``frozen_epochs`` on the
    frozen backbone, then its top ``fine_tune_layers`` layers too, at the learning rate
    times ``fine_tune_learning_rate_factor``, until ``max_epochs`` or early stopping.

    Args:
        train_dataset: Augmented, shuffled batches of ``(images, labels)``.
        train_sample_dataset: Training images, neither augmented nor shuffled.
        validation_dataset: Batches of ``(images, labels)``.
        split_manifest: The data behind the datasets: names the checkpoints.
        class_names: Their count sets the output layer.
        params: Architecture, regularization, optimizer and stopping settings.
        seed: Seeds weight initialization and dropout.

    Returns:
        The trained model and a per-epoch history table.
    """
    keras.utils.set_random_seed(seed)
    batches_per_epoch = int(train_dataset.cardinality())
    model = compiled_model(
        params,
        input_shape=train_dataset.element_spec[0].shape[1:],
        num_classes=len(class_names),
        steps=params.max_epochs * batches_per_epoch,
    )
    directory = checkpoint_directory(split_manifest, params, seed)
    # A backbone trains its new head first, then fine-tunes its top layers: two fits
    # over one epoch count, each with fresh callbacks that carry on the history.
    phases = [(0, params.max_epochs, False)]
    if params.fine_tunes:
        frozen_epochs = min(params.frozen_epochs, params.max_epochs)
        phases = [(0, frozen_epochs, False), (frozen_epochs, params.max_epochs, True)]
    with checkpoint_folder(directory) as (local, uploads):
        for first_epoch, last_epoch, fine_tuning in phases:
            if fine_tuning:
                unfreeze_top_layers(model, params.fine_tune_layers)
                rate = params.learning_rate * params.fine_tune_learning_rate_factor
                compile_model(model, rate, params.jit_compile)
            callbacks = training_callbacks(
                local, params, train_sample_dataset, batches_per_epoch
            )
            model.fit(
                train_dataset,
                validation_data=validation_dataset,
                initial_epoch=first_epoch,
                epochs=last_epoch,
                callbacks=callbacks + uploads,
                shuffle=False,  # the training dataset reshuffles itself every epoch
                verbose=params.verbose,
            )
        history = finish_training(model, local)
    return model, history


def evaluate_model(
    model: keras.Model,
    training_history: pd.DataFrame,
    validation_dataset: tf.data.Dataset,
    test_dataset: tf.data.Dataset,
    params: TrainingParams,
) -> dict:
    """Measure the saved model (the best epoch's weights) on validation and test data.

    Args:
        model: The model as saved by the catalog, loaded back.
        training_history: Output of ``train_model``.
        validation_dataset: Batches of ``(images, labels)``.
        test_dataset: Batches of ``(images, labels)``, never seen during training.
        params: ``max_epochs`` tells why training stopped.

    Returns:
        Validation and test accuracy and cross-entropy, best epoch, epochs run and the
        stop reason.
    """
    validation = model.evaluate(validation_dataset, return_dict=True, verbose=0)
    test = model.evaluate(test_dataset, return_dict=True, verbose=0)
    best = training_history.loc[training_history["val_crossentropy"].idxmin()]
    epochs_run = len(training_history)
    return {
        "validation_accuracy": round(float(validation["accuracy"]), 4),
        "validation_crossentropy": round(float(validation["crossentropy"]), 4),
        "test_accuracy": round(float(test["accuracy"]), 4),
        "test_crossentropy": round(float(test["crossentropy"]), 4),
        "best_epoch": int(best["epoch"]),
        "epochs_run": epochs_run,
        "stop_reason": "early_stopping" if epochs_run < params.max_epochs else "max_epochs",
    }
