"""Nodes of the leakage_audit pipeline."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from image_classification.core.image_pack import ImagePack

from .params import LeakageAuditParams
from .search import grayscale, twin_pairs

logger = logging.getLogger(__name__)

_CHUNK = 4096  # images turned to grayscale at once: bounds the uint8 copy
_EVALUATED = ("validation", "test")


def _gray(image_pack: ImagePack, rows: pd.DataFrame) -> np.ndarray:
    images = image_pack.select(rows)
    return np.concatenate(
        [
            grayscale(images[np.arange(start, min(start + _CHUNK, len(rows)))])
            for start in range(0, len(rows), _CHUNK)
        ]
        or [np.zeros((0, 32, 32), np.float32)]
    )


def find_cross_split_twins(
    image_pack: ImagePack, split_manifest: pd.DataFrame, params: LeakageAuditParams
) -> pd.DataFrame:
    """Validation and test images that are a training image again: cropped, mirrored,
    recoloured, slightly rotated or re-encoded (see ``search``).

    Args:
        image_pack: The pixels validation decoded.
        split_manifest: Which image is in which split.
        params: Candidates per image and the two score thresholds.

    Returns:
        One row per confirmed pair, most certain first: the validation or test file,
        its split and label, the training file and its label, the scores, and the
        alignment found (mirrored, scale, angle).
    """
    train = split_manifest[split_manifest["split"] == "train"].reset_index(drop=True)
    evaluated = split_manifest[split_manifest["split"].isin(_EVALUATED)].reset_index(
        drop=True
    )
    twins = twin_pairs(
        _gray(image_pack, train),
        _gray(image_pack, evaluated),
        candidates=params.candidates,
        min_aligned_score=params.min_aligned_score,
        min_edge_score=params.min_edge_score,
    )
    query, original = evaluated.loc[twins["query"]], train.loc[twins["train"]]
    table = pd.DataFrame(
        {
            "relative_path": query["relative_path"].to_numpy(),
            "split": query["split"].to_numpy(),
            "label": query["label"].to_numpy(),
            "train_relative_path": original["relative_path"].to_numpy(),
            "train_label": original["label"].to_numpy(),
            "edge_score": twins["edge_score"].round(4).to_numpy(),
            "aligned_score": twins["aligned_score"].round(4).to_numpy(),
            "coarse_score": twins["coarse_score"].round(4).to_numpy(),
            "mirrored": twins["mirrored"].to_numpy(),
            "scale": twins["scale"].round(3).to_numpy(),
            "angle_degrees": twins["angle_degrees"].round(1).to_numpy(),
        }
    )
    logger.info(
        "%d validation/test images have a twin in the training split (%d pairs)",
        table["relative_path"].nunique(),
        len(table),
    )
    return table


def summarize_leakage(
    cross_split_twins: pd.DataFrame,
    test_predictions: pd.DataFrame,
    split_manifest: pd.DataFrame,
) -> dict:
    """How much of the test score the twins may owe to memory: test accuracy on the
    test images with a training twin beside the accuracy on the rest.

    Returns:
        Counts of twins per split, and for the test split the images and accuracy
        with and without a twin (accuracy None where there is no image).
    """
    suspects = set(
        cross_split_twins.loc[cross_split_twins["split"] == "test", "relative_path"]
    )
    correct = test_predictions["label_index"] == test_predictions["predicted_index"]
    with_twin = test_predictions["relative_path"].isin(suspects)

    def accuracy(mask: pd.Series) -> float | None:
        return round(float(correct[mask].mean()), 4) if mask.any() else None

    images = split_manifest["split"].value_counts()
    return {
        "twins_per_split": {
            split: {
                "images": int(images.get(split, 0)),
                "with_training_twin": int(
                    cross_split_twins.loc[
                        cross_split_twins["split"] == split, "relative_path"
                    ].nunique()
                ),
            }
            for split in _EVALUATED
        },
        "test_accuracy_with_twin": accuracy(with_twin),
        "test_images_with_twin": int(with_twin.sum()),
        "test_accuracy_without_twin": accuracy(~with_twin),
        "test_images_without_twin": int((~with_twin).sum()),
    }


def plot_twin_pairs(
    cross_split_twins: pd.DataFrame, image_pack: ImagePack, pairs: int = 12
) -> Figure:
    """The most certain twins side by side: the validation/test image, then its
    training twin, with the scores."""
    shown = cross_split_twins.head(pairs)
    figure = Figure(figsize=(6, max(1.6 * len(shown), 1.6)))
    if shown.empty:
        figure.text(0.5, 0.5, "no cross-split twins found", ha="center")
        return figure
    rows = pd.DataFrame(
        {
            "relative_path": list(shown["relative_path"])
            + list(shown["train_relative_path"]),
        }
    )
    index = image_pack.index.set_index("relative_path")
    rows["pixel_hash"] = index.loc[rows["relative_path"], "pixel_hash"].to_numpy()
    images = image_pack.select(rows)
    pixels = images[np.arange(len(rows))]
    axes = figure.subplots(len(shown), 2, squeeze=False)
    for row, pair in enumerate(shown.itertuples(index=False)):
        left, right = axes[row]
        left.imshow(pixels[row])
        left.set_title(f"{pair.split}: {pair.relative_path}", fontsize=7)
        right.imshow(pixels[len(shown) + row])
        right.set_title(
            f"train: {pair.train_relative_path}\nedges {pair.edge_score:.2f}", fontsize=7
        )
        for axis in (left, right):
            axis.set_axis_off()
    figure.tight_layout()
    return figure
