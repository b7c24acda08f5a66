"""Nodes of the leakage_audit pipeline."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from image_classification.core.image_pack import ImagePack
from image_classification.core.params.leakage_audit import LeakageAuditParams

from .search import SIDE, grayscale, twin_pairs

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
        or [np.zeros((0, SIDE, SIDE), np.float32)]
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
