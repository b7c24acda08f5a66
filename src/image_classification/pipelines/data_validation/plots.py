"""Figures of the data_validation pipeline: samples per class, examples per flag."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from image_classification.core.decoding import thumbnail_file
from image_classification.core.params.data_validation import DataValidationParams
from image_classification.figures import image_grid


def plot_class_samples(
    clean_index: pd.DataFrame,
    class_names: list[str],
    params: DataValidationParams,
    seed: int,
) -> Figure:
    """A grid of a few usable images of every class, one row per class, for a quick look.

    Args:
        clean_index: Output of ``select_clean_images``.
        class_names: Row order.
        params: ``sample_images_per_class`` sets the columns.
        seed: Which images are drawn.

    Returns:
        The figure.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for name in class_names:
        paths = clean_index.loc[clean_index["label"] == name, "path"].to_numpy()
        count = min(params.sample_images_per_class, len(paths))
        chosen = sorted(rng.choice(paths, size=count, replace=False))
        rows.append([thumbnail_file(path) for path in chosen])
    return image_grid(rows, row_labels=class_names, title="Samples per class")


def plot_flag_examples(
    validation_findings: pd.DataFrame,
    image_index: pd.DataFrame,
    params: DataValidationParams,
) -> Figure:
    """A row of example images per quality flag raised, worst first, to judge at a glance.

    Args:
        validation_findings: One row per file and check.
        image_index: Where to read each file.
        params: ``flag_examples`` sets the images per row.

    Returns:
        The figure; a single empty row when nothing was flagged.
    """
    path_of = image_index.set_index("relative_path")["path"]
    flagged = validation_findings[validation_findings["score"].notna()]
    rows, labels, titles = [], [], []
    for check, group in flagged.groupby("check"):
        descending = check in {"light", "odd_size", "odd_aspect_ratio", "multi_frame"}
        worst = group.sort_values("score", ascending=not descending).head(
            params.flag_examples
        )
        rows.append([thumbnail_file(path_of[p]) for p in worst["relative_path"]])
        labels.append(f"{check} ({len(group)})")
        titles.append(
            [
                f"{label} {score:.3g}"
                for label, score in zip(worst["label"], worst["score"], strict=True)
            ]
        )
    if not rows:
        rows, labels, titles = [[np.full((8, 8, 3), 255, np.uint8)]], ["no flags"], [[""]]
    return image_grid(rows, labels, "Flagged images per check (worst first)", titles)
