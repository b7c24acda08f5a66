"""Nodes of the training pipeline."""

from __future__ import annotations

import warnings
from typing import NamedTuple

import keras
import numpy as np
import pandas as pd
import tensorflow as tf
from sklearn.metrics import balanced_accuracy_score, recall_score
from sklearn.utils.class_weight import compute_class_weight

from image_classification.core.model import (
    compile_model,
    compiled_model,
    unfreeze_top_layers,
)
from image_classification.core.params.training import TrainingParams
from image_classification.core.serving import ServingModel, build_serving_model

from .checkpoints import (
    checkpoint_directory,
    checkpoint_folder,
    finish_training,
    training_callbacks,
)


class TrainingPlan(NamedTuple):
    """What a training run needs besides its batches: the outputs to learn, how each
    class's mistakes weigh, the seed, and where its checkpoints live."""

    num_classes: int
    class_weights: dict[int, float] | None
    seed: int
    checkpoint_directory: str


def plan_training(
    split_manifest: pd.DataFrame,
    class_names: list[str],
    params: TrainingParams,
    seed: int,
) -> TrainingPlan:
    """The plan of a training run on these images with these parameters.

    Args:
        split_manifest: The images behind the datasets: their classes weigh the
            loss, and with the parameters and seed they name the checkpoints (a run
            resumes only its own).
        class_names: Their count sets the output layer.
        params: ``class_weight`` and what names the checkpoints.
        seed: Seeds weight initialization and dropout.
    """
    return TrainingPlan(
        num_classes=len(class_names),
        class_weights=class_weights(split_manifest, len(class_names), params.class_weight),
        seed=seed,
        checkpoint_directory=checkpoint_directory(split_manifest, params, seed),
    )


def train_model(
    train_dataset: tf.data.Dataset,
    train_sample_dataset: tf.data.Dataset,
    validation_dataset: tf.data.Dataset,
    plan: TrainingPlan,
    params: TrainingParams,
) -> tuple[keras.Model, pd.DataFrame]:
    """Fit the model with Adam and early stopping on the validation cross-entropy.

    Keras' ``val_loss`` includes the L2 penalty, which moves with the weights, not
    with how well the model predicts: early stopping watches ``val_crossentropy`` and
    restores the best epoch's weights. After every epoch a fixed sample of training
    images is evaluated like validation (``train_eval_*``): the honest training curve.
    A run interrupted after epoch k resumes from epoch k with the same data,
    parameters and seed (``checkpoints``). Losses are weighed by the plan's class
    weights; a backbone trains in two phases (``_phases``).

    Args:
        train_dataset: Augmented, shuffled batches of ``(images, labels)``.
        train_sample_dataset: Training images, neither augmented nor shuffled.
        validation_dataset: Batches of ``(images, labels)``.
        plan: Classes, class weights, seed and checkpoints (``plan_training``).
        params: Architecture, regularization, optimizer and stopping settings.

    Returns:
        The trained model and its per-epoch history table.
    """
    keras.utils.set_random_seed(plan.seed)
    batches_per_epoch = int(train_dataset.cardinality())
    model = compiled_model(
        params,
        input_shape=train_dataset.element_spec[0].shape[1:],
        num_classes=plan.num_classes,
        steps=params.max_epochs * batches_per_epoch,
    )
    with checkpoint_folder(plan.checkpoint_directory) as (local, uploads):
        for first_epoch, last_epoch, fine_tuning in _phases(params):
            if fine_tuning:
                _start_fine_tuning(model, params)
            callbacks = training_callbacks(
                local, params, train_sample_dataset, batches_per_epoch
            )
            model.fit(
                train_dataset,
                validation_data=validation_dataset,
                class_weight=plan.class_weights,
                initial_epoch=first_epoch,
                epochs=last_epoch,
                callbacks=callbacks + uploads,
                shuffle=False,  # the training dataset reshuffles itself every epoch
                verbose=params.verbose,
            )
        history = finish_training(model, local)
    return model, history


def _start_fine_tuning(model: keras.Model, params: TrainingParams) -> None:
    """The backbone's top layers trainable, at the fine-tuning learning rate."""
    unfreeze_top_layers(model, params.fine_tune_layers)
    rate = params.learning_rate * params.fine_tune_learning_rate_factor
    compile_model(model, rate, params.jit_compile)


def _phases(params: TrainingParams) -> list[tuple[int, int, bool]]:
    """The fits of a training run: first epoch, last epoch, whether fine-tuning.

    A backbone (``training.backbone``) trains its new head for ``frozen_epochs`` on the
    frozen backbone, then its top ``fine_tune_layers`` layers too, at the learning rate
    times ``fine_tune_learning_rate_factor``, until ``max_epochs`` or early stopping:
    two fits over one epoch count, each with fresh callbacks that carry on the history.
    """
    if not params.fine_tunes:
        return [(0, params.max_epochs, False)]
    frozen_epochs = min(params.frozen_epochs, params.max_epochs)
    return [(0, frozen_epochs, False), (frozen_epochs, params.max_epochs, True)]


def class_weights(
    split_manifest: pd.DataFrame, num_classes: int, class_weight: str
) -> dict[int, float] | None:
    """With ``balanced``, each class's weight in the loss: the training images over
    the classes times its own images (scikit-learn's ``balanced``), so that every
    class counts as much in total; None otherwise. A class without training images
    gets weight 1 (nothing to weigh)."""
    if class_weight != "balanced":
        return None
    labels = split_manifest.loc[split_manifest["split"] == "train", "label_index"]
    present = np.unique(labels)
    weights = compute_class_weight("balanced", classes=present, y=labels)
    by_class = dict.fromkeys(range(num_classes), 1.0)
    by_class.update(zip(present.tolist(), weights.tolist(), strict=True))
    return by_class


def evaluate_model(  # noqa: PLR0917 - Kedro passes node inputs by position
    model: keras.Model,
    training_history: pd.DataFrame,
    validation_dataset: tf.data.Dataset,
    test_dataset: tf.data.Dataset,
    class_names: list[str],
    params: TrainingParams,
) -> dict:
    """Measure the saved model (the best epoch's weights) on validation and test data.

    Beside accuracy, the balanced accuracy (the mean of the per-class recalls) and the
    test recall of every class: with unbalanced classes the accuracy follows the large
    classes, and a model can reach 0.85 while it finds half of a small class.

    Args:
        model: The model as saved by the catalog, loaded back.
        training_history: Output of ``train_model``.
        validation_dataset: Batches of ``(images, labels)``.
        test_dataset: Batches of ``(images, labels)``, never seen during training.
        class_names: Names of the recalls, in label-index order.
        params: ``max_epochs`` tells why training stopped.

    Returns:
        Validation and test accuracy, balanced accuracy and cross-entropy, the test
        recall per class, best epoch, epochs run and the stop reason.
    """
    validation = model.evaluate(validation_dataset, return_dict=True, verbose=0)
    test = model.evaluate(test_dataset, return_dict=True, verbose=0)
    classes = list(range(len(class_names)))
    validation_labels, validation_predicted = _predicted(model, validation_dataset)
    test_labels, test_predicted = _predicted(model, test_dataset)
    recalls = recall_score(
        test_labels, test_predicted, labels=classes, average=None, zero_division=0
    )
    best = training_history.loc[training_history["val_crossentropy"].idxmin()]
    epochs_run = len(training_history)
    return {
        "validation_accuracy": round(float(validation["accuracy"]), 4),
        "validation_balanced_accuracy": _balanced_accuracy(
            validation_labels, validation_predicted
        ),
        "validation_crossentropy": round(float(validation["crossentropy"]), 4),
        "test_accuracy": round(float(test["accuracy"]), 4),
        "test_balanced_accuracy": _balanced_accuracy(test_labels, test_predicted),
        "test_crossentropy": round(float(test["crossentropy"]), 4),
        "test_recall_by_class": {
            name: round(float(recall), 4)
            for name, recall in zip(class_names, recalls, strict=True)
        },
        "best_epoch": int(best["epoch"]),
        "epochs_run": epochs_run,
        "stop_reason": "early_stopping" if epochs_run < params.max_epochs else "max_epochs",
    }


def _predicted(model: keras.Model, dataset: tf.data.Dataset) -> tuple[np.ndarray, ...]:
    """True and predicted label of every image of an unshuffled dataset."""
    labels = np.concatenate(
        [batch_labels for _, batch_labels in dataset.as_numpy_iterator()]
    )
    return labels, model.predict(dataset, verbose=0).argmax(axis=1)


def _balanced_accuracy(labels: np.ndarray, predicted: np.ndarray) -> float:
    """The mean recall of the classes present (scikit-learn's balanced accuracy)."""
    with warnings.catch_warnings():  # predicted classes absent from the labels
        warnings.simplefilter("ignore", UserWarning)
        return round(float(balanced_accuracy_score(labels, predicted)), 4)


def serve_model(
    model: keras.Model, class_names: list[str], training_image_size: dict
) -> ServingModel:
    """The saved model wrapped to take images as files decode to, fitting them to its
    size as validation did (``core.serving.build_serving_model``)."""
    return build_serving_model(model, class_names, training_image_size["fit"])
