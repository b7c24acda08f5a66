"""Honest training metrics: training images measured the way validation images are.

Keras logs training accuracy and loss on augmented batches with dropout on, and the
loss includes the L2 penalty; a gap computed from those understates overfitting, and
validation can even look better than training while the model memorizes.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

_EPSILON = 1e-7  # Keras clips probabilities the same way in its cross-entropy


def sample_metrics(labels: np.ndarray, probabilities: np.ndarray) -> dict[str, float]:
    """Mean cross-entropy and accuracy of predicted class probabilities."""
    picked = probabilities[np.arange(len(labels)), labels]
    return {
        "crossentropy": float(-np.log(np.clip(picked, _EPSILON, 1.0)).mean()),
        "accuracy": float((probabilities.argmax(axis=1) == labels).mean()),
    }


class TrainSampleEvaluation(keras.callbacks.Callback):
    """Adds ``train_eval_crossentropy`` and ``train_eval_accuracy`` to each epoch's logs:
    a fixed sample of training images predicted in inference mode, beside Keras'
    ``val_crossentropy`` and ``val_accuracy``."""

    def __init__(self, train_sample: tf.data.Dataset):
        super().__init__()
        self._sample = train_sample
        self._labels = None

    def on_epoch_end(self, epoch, logs=None):
        if self._labels is None:
            batches = self._sample.as_numpy_iterator()
            self._labels = np.concatenate([labels for _, labels in batches])
        probabilities = self.model.predict(self._sample, verbose=0)
        for name, value in sample_metrics(self._labels, probabilities).items():
            logs[f"train_eval_{name}"] = value
