"""Figures shared by several stages: grids of images with labels.

Figures are built on ``matplotlib.figure.Figure`` rather than pyplot, so nodes keep no
global state and nothing has to be closed; ``MatplotlibDataset`` saves them.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from image_classification.core.image_pack import ImagePack

_CELL_INCHES = 1.1
# Characters that fit on one line: of a cell title (7 points) in a cell, and of the
# figure title (12 points) in an inch.
_CELL_TITLE_CHARACTERS = 18
_TITLE_CHARACTERS_PER_INCH = 8


def _fitted(line: str, width: int) -> str:
    """``line`` cut to ``width`` characters in its middle, where a path's class folder
    and its extension stay readable: ``t-shirt/0a1b…3f9.jpg``."""
    if len(line) <= width:
        return line
    head = (width - 1) // 2
    return line[:head] + "…" + line[len(line) - (width - 1 - head) :]


def image_grid(
    rows: Sequence[Sequence[np.ndarray]],
    row_labels: Sequence[str],
    title: str,
    cell_titles: Sequence[Sequence[str]] | None = None,
) -> Figure:
    """Lay out images in rows, each row labelled on its left.

    Args:
        rows: Images (H x W x 3, uint8 or floats in [0, 1]) per row; rows may differ
            in length.
        row_labels: One label per row.
        title: Figure title.
        cell_titles: Optional small title above each image.

    Returns:
        The figure.
    """
    columns = max((len(row) for row in rows), default=1) or 1
    # Constrained layout keeps the (wrapped) heading clear of the cell titles, on a
    # tall grid too, where tight_layout let them overlap.
    figure = Figure(
        figsize=(columns * _CELL_INCHES + 1.2, len(rows) * _CELL_INCHES + 0.8),
        layout="constrained",
    )
    axes = np.atleast_2d(figure.subplots(len(rows), columns, squeeze=False))
    for row_index, row in enumerate(rows):
        for column_index, ax in enumerate(axes[row_index]):
            ax.set_xticks([])
            ax.set_yticks([])
            if column_index >= len(row):
                ax.set_axis_off()
                continue
            ax.imshow(row[column_index], interpolation="nearest")
            if cell_titles is not None:
                lines = cell_titles[row_index][column_index].split("\n")
                ax.set_title(
                    "\n".join(_fitted(line, _CELL_TITLE_CHARACTERS) for line in lines),
                    fontsize=7,
                )
        axes[row_index][0].set_ylabel(
            row_labels[row_index], rotation=0, ha="right", va="center"
        )
    width = figure.get_size_inches()[0]
    figure.suptitle(textwrap.fill(title, int(width * _TITLE_CHARACTERS_PER_INCH)))
    return figure


def twin_pairs_figure(
    cross_split_twins: pd.DataFrame, image_pack: ImagePack, pairs: int = 12
) -> Figure:
    """The most certain cross-split twins side by side: the validation or test image,
    then its training twin, with the score that confirmed the pair (the detail score
    where the audit compared detail, else the edge score).

    Drawn by the leakage audit (its own PNG) and again by the run report, which embeds
    every figure.
    """
    shown = cross_split_twins.head(pairs)
    if shown.empty:
        figure = Figure(figsize=(6, 1.6))
        figure.text(0.5, 0.5, "no cross-split twins found", ha="center")
        return figure
    paths = list(shown["relative_path"]) + list(shown["train_relative_path"])
    hashes = image_pack.index.set_index("relative_path").loc[paths, "pixel_hash"]
    rows = pd.DataFrame({"relative_path": paths, "pixel_hash": hashes.to_numpy()})
    pixels = image_pack.select(rows)[np.arange(len(rows))]
    return image_grid(
        [[pixels[row], pixels[len(shown) + row]] for row in range(len(shown))],
        [f"{pair.split} / train" for pair in shown.itertuples(index=False)],
        "Validation and test images with a twin in the training split",
        cell_titles=[
            [pair.relative_path, f"{pair.train_relative_path}\n{_confirmed_by(pair)}"]
            for pair in shown.itertuples(index=False)
        ],
    )


def _confirmed_by(pair) -> str:
    detail = getattr(pair, "detail_score", None)
    if detail is not None and not pd.isna(detail):
        return f"detail {detail:.2f}"
    return f"edges {pair.edge_score:.2f}"
