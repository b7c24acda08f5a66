"""How well training batches mix the classes, against a random order of the same labels.

A model trained on batches that hold one or two classes at a time sees a drifting class
mix and learns little, while every curve looks like ordinary training. The measure is
the share of a batch taken by its largest class, per batch, over the first batches of
an epoch; a random order of the same labels is the reference.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


def largest_class_shares(label_batches: Iterable[np.ndarray]) -> np.ndarray:
    """The share of each batch taken by its most frequent label."""
    return np.array(
        [np.bincount(labels).max() / len(labels) for labels in label_batches if len(labels)]
    )


def class_mix_report(
    observed: Iterable[np.ndarray], labels: np.ndarray, batch_size: int, seed: int
) -> dict:
    """The median largest-class share of ``observed`` batches beside that of batches
    of a random order of ``labels`` (as many, as large).

    Args:
        observed: Label batches as training draws them.
        labels: Every training label.
        batch_size: Images per batch.
        seed: Seeds the reference order.

    Returns:
        ``batches``, ``median_largest_class_share`` of the observed batches,
        ``random_order_median_largest_class_share``, ``split_largest_class_share``
        and ``ratio`` (observed over random).
    """
    shares = largest_class_shares(observed)
    shuffled = np.random.default_rng(seed).permutation(labels)
    reference = largest_class_shares(
        shuffled[start : start + batch_size]
        for start in range(0, batch_size * len(shares), batch_size)
    )
    observed_median = float(np.median(shares))
    random_median = float(np.median(reference))
    return {
        "batches": len(shares),
        "batch_size": batch_size,
        "median_largest_class_share": round(observed_median, 4),
        "random_order_median_largest_class_share": round(random_median, 4),
        "split_largest_class_share": round(float(largest_class_shares([labels])[0]), 4),
        "ratio": round(observed_median / random_median, 3),
    }
