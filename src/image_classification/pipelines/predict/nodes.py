"""Nodes of the predict pipeline."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from image_classification.core.errors import InputError
from image_classification.core.inspection import OK
from image_classification.core.inspection_engines import inspected_chunks
from image_classification.core.params.data_validation import DataValidationParams
from image_classification.core.params.predict import PredictParams
from image_classification.core.progress import progress
from image_classification.core.serving import (
    ServingModel,
    serving_image_fit,
    serving_image_size,
)
from image_classification.datasets.prediction_model import PredictionModel

logger = logging.getLogger(__name__)

CLASSIFIED, NOT_CLASSIFIED = "classified", "not_classified"
# Decoded pixels held at once: files are validated and classified in groups of this
# size (256 MB: 87,000 images at 32x32, 1,700 at 224x224), one progress bar for all.
_PIXEL_BYTES = 256 * 2**20
# Prediction needs no label: any layout is fine, so validation's check that a file
# lies in a class folder is given a label it passes.
_NO_LABEL = "-"


def predict_images(
    images_to_predict: pd.DataFrame,
    prediction_model: PredictionModel,
    params: PredictParams,
    validation: DataValidationParams,
) -> pd.DataFrame:
    """Classify every file under the folder, or say why it cannot be classified.

    Each file goes through validation's decoder and per-file checks (unreadable,
    truncated, too large, unsupported, hidden...) and is resized to the size the model
    was trained at exactly as training images were, so a file of the test split gets
    the probabilities ``evaluate_model`` computed for it. Files are validated and
    classified in groups of at most 256 MB of pixels (a large group on validation's
    worker processes): memory holds one group's pixels, not the folder's.

    Args:
        images_to_predict: Listing of the folder (``predict_dir``), any layout.
        prediction_model: The serving model and its version.
        params: ``top_k`` classes per file, ``batch_size`` images per model call.
        validation: The limits and workers of ``data_validation`` (its Dask engine
            is not used here: the files are read by this machine's processes).

    Returns:
        One row per file, in path order: ``relative_path``, ``path``, ``status``
        (``classified`` or ``not_classified``), ``class_1``, ``probability_1`` ...
        ``class_k``, ``probability_k``, ``model_version``, and for a file not
        classified the ``reason`` and ``detail`` validation gives.

    Raises:
        InputError: The folder holds no file.
    """
    files = images_to_predict[~images_to_predict["relative_path"].str.endswith("/")]
    if files.empty:
        raise InputError("the folder to predict holds no file: check predict_dir")
    rows = [
        (relative, path, _NO_LABEL, outside, invalid)
        for relative, path, outside, invalid in files[
            ["relative_path", "path", "outside_root", "invalid_name"]
        ].itertuples(index=False, name=None)
    ]
    serving = prediction_model.serving
    table, probabilities = _classified_groups(rows, serving, params, validation)
    table = _with_top_classes(table, probabilities, serving.class_names, params.top_k)
    table.insert(3, "model_version", prediction_model.version)
    counts = table["status"].value_counts()
    logger.info(
        "Classified %d of %d files with model %s",
        counts.get(CLASSIFIED, 0),
        len(table),
        prediction_model.version,
    )
    return table


def _classified_groups(
    rows: list[tuple],
    serving: ServingModel,
    params: PredictParams,
    validation: DataValidationParams,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Every row inspected and classified, a group of at most ``_PIXEL_BYTES`` of
    pixels at a time: the rows' table in their order, and each row's probabilities."""
    local = validation.model_copy(update={"engine": "processes"})
    size, fit = serving_image_size(serving), serving_image_fit(serving)
    group = max(params.batch_size, _PIXEL_BYTES // (size[0] * size[1] * 3))
    tables = {}
    with progress(total=len(rows), description="classifying files", unit="file") as bar:
        for first in range(0, len(rows), group):
            chunks = inspected_chunks(
                rows[first : first + group], local, size, fit, show_progress=False
            )
            for start, chunk in chunks:
                tables[first + start] = _classified(
                    chunk.columns, chunk.pixels, serving.model, params
                )
                bar.update(len(chunk.columns["status"]))
    ordered = [tables[start] for start in sorted(tables)]
    table = pd.concat([rows for rows, _ in ordered], ignore_index=True)
    return table, np.concatenate([chunk for _, chunk in ordered])


def _classified(
    columns: dict, pixels: np.ndarray, model, params: PredictParams
) -> tuple[pd.DataFrame, np.ndarray]:
    """One chunk's rows and a row of probabilities for each (zeros where the file is
    not usable)."""
    usable = np.array([status == OK for status in columns["status"]], bool)
    probabilities = np.zeros((len(usable), model.output_shape[-1]), np.float32)
    positions = np.flatnonzero(usable)
    for start in range(0, len(positions), params.batch_size):
        batch = positions[start : start + params.batch_size]
        probabilities[batch] = np.asarray(model(pixels[batch], training=False))
    return pd.DataFrame(
        {
            "relative_path": columns["relative_path"],
            "path": columns["path"],
            "status": np.where(usable, CLASSIFIED, NOT_CLASSIFIED),
            # object: a group without any failure has only None here
            "reason": pd.Series(columns["reason"], dtype=object),
            "detail": pd.Series(columns["detail"], dtype=object),
        }
    ), probabilities


def _with_top_classes(
    table: pd.DataFrame, probabilities: np.ndarray, class_names: list[str], top_k: int
) -> pd.DataFrame:
    """The ``top_k`` classes of each row's ``probabilities``, most likely first (ties
    in class order); empty for a file not classified."""
    order = np.argsort(-probabilities, axis=1, kind="stable")[
        :, : min(top_k, len(class_names))
    ]
    classified = (table["status"] == CLASSIFIED).to_numpy()
    names = np.asarray(class_names, dtype=object)
    top = {}
    for rank in range(order.shape[1]):
        top[f"class_{rank + 1}"] = np.where(classified, names[order[:, rank]], None)
        chosen = np.take_along_axis(probabilities, order[:, [rank]], axis=1)[:, 0]
        top[f"probability_{rank + 1}"] = np.where(classified, chosen, np.nan)
    reason = table.pop("reason"), table.pop("detail")
    return table.assign(**top, reason=reason[0], detail=reason[1])
