"""Nodes of the label_audit pipeline.

cleanlab's confident learning needs predicted probabilities that no model saw the label
of: K models are trained with the project's own model and input-pipeline code, each on
K-1 folds, and each predicts the fold it left out.
"""

from __future__ import annotations

import logging

import keras
import numpy as np
import pandas as pd
from cleanlab.filter import find_label_issues
from cleanlab.rank import get_label_quality_scores
from matplotlib.figure import Figure
from sklearn.model_selection import StratifiedKFold

from image_classification.core.decoding import thumbnail_file
from image_classification.core.image_pack import ImagePack, ImageSelection
from image_classification.core.input_pipeline import image_batches
from image_classification.core.model import compiled_model
from image_classification.core.params.augmentation import AugmentationParams
from image_classification.core.params.label_audit import LabelAuditParams
from image_classification.core.params.training import TrainingParams
from image_classification.core.progress import progress
from image_classification.figures import image_grid

logger = logging.getLogger(__name__)


def _fold_model(
    images: ImageSelection,
    labels: pd.Series,
    *,
    num_classes: int,
    training: TrainingParams,
    augmentation: AugmentationParams,
    audit: LabelAuditParams,
    seed: int,
) -> keras.Model:
    keras.utils.set_random_seed(seed)
    dataset = image_batches(
        images,
        labels,
        audit.batch_size,
        shuffle=True,
        seed=seed,
        augmentation=augmentation.layers,
    )
    model = compiled_model(
        training,
        input_shape=images.shape[1:],
        num_classes=num_classes,
        steps=audit.epochs * int(dataset.cardinality()),
    )
    model.fit(dataset, epochs=audit.epochs, shuffle=False, verbose=0)
    return model


def assign_audit_folds(
    split_manifest: pd.DataFrame, params: LabelAuditParams, seed: int
) -> pd.DataFrame:
    """Every clean image (all splits are audited) in one of ``params.folds`` folds,
    stratified by class, and the seed of the model that will predict its fold.

    Returns:
        The manifest's rows with ``fold`` (1 to ``folds``) and ``fold_seed``.
    """
    images = split_manifest.reset_index(drop=True)
    fold = np.zeros(len(images), dtype=int)
    folds = StratifiedKFold(n_splits=params.folds, shuffle=True, random_state=seed)
    for number, (_, held_out) in enumerate(
        folds.split(images, images["label_index"]), start=1
    ):
        fold[held_out] = number
    return images.assign(fold=fold, fold_seed=seed + fold)


def predict_out_of_fold(  # noqa: PLR0917 - Kedro passes node inputs by position
    image_pack: ImagePack,
    audit_folds: pd.DataFrame,
    class_names: list[str],
    params: LabelAuditParams,
    training: TrainingParams,
    augmentation: AugmentationParams,
) -> pd.DataFrame:
    """Class probabilities for every image from a model that never saw its label.

    Args:
        image_pack: The pixels validation decoded.
        audit_folds: The images and their folds (``assign_audit_folds``).
        class_names: Column order of the probabilities.
        params: Number of epochs and batch size of the fold models.
        training: The model, as the training pipeline builds it, changed where
            ``params.model`` says.
        augmentation: Augmentation of the fold models.

    Returns:
        ``relative_path``, ``label_index`` and one probability column per class.
    """
    images = audit_folds
    fold_training = training.model_copy(update=params.model.model_dump(exclude_none=True))
    probabilities = np.zeros((len(images), len(class_names)), dtype=np.float32)
    folds = sorted(images["fold"].unique())
    for fold in progress(folds, description="label audit folds", unit="fold"):
        held_out = images["fold"].to_numpy() == fold
        fit_rows = images[~held_out]
        model = _fold_model(
            image_pack.select(fit_rows),
            fit_rows["label_index"],
            num_classes=len(class_names),
            training=fold_training,
            augmentation=augmentation,
            audit=params,
            seed=int(images.loc[held_out, "fold_seed"].iloc[0]),
        )
        rows = images[held_out]
        evaluation = image_batches(image_pack.select(rows), rows["label_index"], 256)
        probabilities[held_out] = model.predict(evaluation, verbose=0)
        logger.info("Label audit: fold %d of %d predicted", fold, len(folds))
    columns = {f"p_{name}": probabilities[:, i] for i, name in enumerate(class_names)}
    return pd.DataFrame(
        {
            "relative_path": images["relative_path"],
            "label_index": images["label_index"],
            **columns,
        }
    )


def rank_label_issues(
    out_of_fold: pd.DataFrame, class_names: list[str], params: LabelAuditParams
) -> pd.DataFrame:
    """cleanlab's suspected label errors, most suspicious first.

    Args:
        out_of_fold: Output of ``predict_out_of_fold``.
        class_names: Names of the label indices.
        params: ``filter_by``, cleanlab's rule for which disagreements are issues, and
            ``max_label_quality``: a weak model disagrees with many correct labels, so
            only the suspects whose given label it finds this unlikely are kept.

    Returns:
        ``relative_path``, ``given_label``, ``suggested_label`` (the model's most likely
        class) and ``score`` (cleanlab's label quality: low means likely wrong).
    """
    probabilities = out_of_fold[[f"p_{name}" for name in class_names]].to_numpy()
    labels = out_of_fold["label_index"].to_numpy()
    ranked = find_label_issues(
        labels,
        probabilities,
        filter_by=params.filter_by,
        return_indices_ranked_by="self_confidence",
    )
    quality = get_label_quality_scores(labels, probabilities, method="self_confidence")
    ranked = ranked[quality[ranked] < params.max_label_quality]
    names = np.asarray(class_names)
    return pd.DataFrame(
        {
            "rank": np.arange(1, len(ranked) + 1),
            "relative_path": out_of_fold["relative_path"].to_numpy()[ranked],
            "given_label": names[labels[ranked]],
            "suggested_label": names[probabilities[ranked].argmax(axis=1)],
            "score": quality[ranked].round(4),
        }
    )


def plot_label_suspects(
    label_suspects: pd.DataFrame, split_manifest: pd.DataFrame, params: LabelAuditParams
) -> Figure:
    """The most suspicious images with their given and suggested labels.

    Returns:
        A grid, eight images per row, titled ``given -> suggested``.
    """
    path_of = split_manifest.set_index("relative_path")["path"]
    top = label_suspects.head(params.top_suspects)
    images = [thumbnail_file(path_of[p]) for p in top["relative_path"]]
    titles = [
        f"{g} -> {s}"
        for g, s in zip(top["given_label"], top["suggested_label"], strict=True)
    ]
    rows = [images[i : i + 8] for i in range(0, len(images), 8)] or [
        [np.full((8, 8, 3), 255, np.uint8)]
    ]
    row_titles = [titles[i : i + 8] for i in range(0, len(titles), 8)] or [["none found"]]
    labels = [f"#{i + 1}" for i in range(0, len(images), 8)] or ["no suspects"]
    return image_grid(rows, labels, "Suspected mislabels (given -> suggested)", row_titles)
