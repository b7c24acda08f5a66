"""Nodes of the leakage_audit pipeline."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from image_classification.core.errors import InputError
from image_classification.core.params.leakage_audit import LeakageAuditParams
from image_classification.core.params.same_photo import SamePhotoParams
from image_classification.core.same_photo import SIDE, compared_images

from .search import twin_pairs

logger = logging.getLogger(__name__)

_EVALUATED = ("validation", "test")


def _thumbnails(
    detail_thumbnails: pd.DataFrame, paths: pd.Series
) -> tuple[np.ndarray, np.ndarray | None]:
    """The grayscale thumbnail of each path, as the same-photo test compares them
    (see ``core.same_photo.compared_images``)."""
    by_path = detail_thumbnails.set_index("relative_path")["detail_thumbnail"]
    missing = paths[~paths.isin(by_path.index)]
    if len(missing):
        raise InputError(
            f"{len(missing)} images of the split have no detail thumbnail (first: "
            f"{missing.iloc[0]}): detail_thumbnails and split_manifest come from "
            "different runs; load versions of one run, or run data_validation again"
        )
    return compared_images(by_path.loc[paths].tolist())


def _twin_table(
    twins: pd.DataFrame, evaluated: pd.DataFrame, train: pd.DataFrame
) -> pd.DataFrame:
    """The confirmed pairs by file: the evaluated file, its training twin, the scores
    and the alignment."""
    query, original = evaluated.loc[twins["query"]], train.loc[twins["train"]]
    return pd.DataFrame(
        {
            "relative_path": query["relative_path"].to_numpy(),
            "split": query["split"].to_numpy(),
            "label": query["label"].to_numpy(),
            "train_relative_path": original["relative_path"].to_numpy(),
            "train_label": original["label"].to_numpy(),
            "detail_score": twins["detail_score"].round(4).to_numpy(),
            "edge_score": twins["edge_score"].round(4).to_numpy(),
            "aligned_score": twins["aligned_score"].round(4).to_numpy(),
            "coarse_score": twins["coarse_score"].round(4).to_numpy(),
            "mirrored": twins["mirrored"].to_numpy(),
            "scale": twins["scale"].round(3).to_numpy(),
            "angle_degrees": twins["angle_degrees"].round(1).to_numpy(),
        }
    )


def find_cross_split_twins(
    detail_thumbnails: pd.DataFrame,
    split_manifest: pd.DataFrame,
    params: LeakageAuditParams,
    same_photo: SamePhotoParams,
) -> tuple[pd.DataFrame, dict]:
    """Validation and test images that are a training image again: cropped, mirrored,
    recoloured, slightly rotated or re-encoded (see ``search``).

    Args:
        detail_thumbnails: Validation's grayscale thumbnail of each file.
        split_manifest: Which image is in which split.
        params: Candidates per image.
        same_photo: The score thresholds of the same photo.

    Returns:
        One row per confirmed pair, most certain first: the validation or test file,
        its split and label, the training file and its label, the scores (the detail
        score empty where the images are no larger than 32 pixels), and the alignment
        found (mirrored, scale, angle); and what the audit looked at (images, the
        resolution of each stage, the thresholds).
    """
    train = split_manifest[split_manifest["split"] == "train"].reset_index(drop=True)
    evaluated = split_manifest[split_manifest["split"].isin(_EVALUATED)].reset_index(
        drop=True
    )
    coarse, finest = _thumbnails(
        detail_thumbnails, pd.concat([train["relative_path"], evaluated["relative_path"]])
    )
    split_at = len(train)
    detail = None if finest is None else (finest[:split_at], finest[split_at:])
    side = SIDE if finest is None else finest.shape[1]
    twins = twin_pairs(
        coarse[:split_at], coarse[split_at:], params, same_photo, detail=detail
    )
    table = _twin_table(twins, evaluated, train)
    scope = {
        "training_images": len(train),
        "validation_and_test_images": len(evaluated),
        "alignment_resolution": f"{SIDE}x{SIDE}",
        "detail_resolution": f"{side}x{side}" if detail is not None else None,
        "thresholds": params.model_dump() | same_photo.model_dump(),
    }
    logger.info(
        "%d validation/test images have a twin in the training split (%d pairs; "
        "compared at %dx%d)",
        table["relative_path"].nunique(),
        len(table),
        side,
        side,
    )
    return table, scope
