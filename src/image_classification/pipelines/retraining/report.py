"""The retraining page: the promotion decision, the champion on the new test images,
and what changed in the data since the champion, as a table and a figure.

The table is also a dataset of its own (``data_drift_table``), so kedro-viz previews
the same rows the page shows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from jinja2 import Environment, PackageLoader
from matplotlib.figure import Figure

from image_classification.core.data_profile import (
    STATISTICS,
    arrived_images,
    drift_verdict,
    shifted,
)
from image_classification.core.html_page import PAGE_STYLE, figure_image, html_table
from image_classification.datasets import Champion

_TEMPLATES = Environment(
    loader=PackageLoader("image_classification.pipelines.retraining"),
    autoescape=True,
    keep_trailing_newline=True,
)
DRIFT_TABLE_COLUMNS = ["item", "value", "limit", "verdict"]


def tabulate_data_drift(data_drift: dict) -> pd.DataFrame:
    """One row per item of ``data_drift``: its value, the limit it is held to and
    its verdict; files and classes first, then each statistic overall and for each
    class it drifted in."""
    if data_drift["verdict"] == "no reference":
        return pd.DataFrame(columns=DRIFT_TABLE_COLUMNS)
    thresholds = data_drift["thresholds"]
    files, classes = data_drift["files"], data_drift["classes"]
    rows = [
        (f"files {kind}", files[kind]["count"], "", "")
        for kind in ("added", "removed", "changed")
    ]
    relabelled = files["relabelled"]["count"]
    rows.append(("files relabelled", relabelled, 0, drift_verdict(relabelled > 0)))
    rows += [(f"class {name} appeared", "", "", "drift") for name in classes["appeared"]]
    rows += [(f"class {name} vanished", "", "", "drift") for name in classes["vanished"]]
    ratio = thresholds["max_class_share_ratio"]
    rows += [
        (
            f"class {name} share (now / before)",
            count["share_ratio"],
            f"x{1 / ratio:.2f} to x{ratio:.2f}",
            drift_verdict(name in classes["share_drifted"]),
        )
        for name, count in classes["counts"].items()
        if count["share_ratio"] is not None
    ]
    copies = data_drift["near_duplicates_of_old"]
    rows.append(
        (
            "added files that copy old images (share)",
            copies["share"],
            thresholds["max_near_duplicate_share"],
            drift_verdict(copies["share"] > thresholds["max_near_duplicate_share"]),
        )
    )
    for statistic, shift in data_drift["statistics"].items():
        if shift["overall"] is not None:
            rows.append(_shift_row(f"{statistic} PSI, new images", shift["overall"]))
        rows += [
            _shift_row(f"{statistic} PSI, new images of {name}", shift["by_class"][name])
            for name in shift["drifted_classes"]
        ]
    return pd.DataFrame(rows, columns=DRIFT_TABLE_COLUMNS, dtype=object).astype(str)


def _shift_row(item: str, shift: dict) -> tuple:
    return item, shift["psi"], shift["threshold"], drift_verdict(shifted(shift))


def plot_data_drift(
    current_champion: Champion | None, profile: pd.DataFrame, data_drift: dict
) -> Figure:
    """Each statistic's distribution in the champion's data and in the images that
    arrived since, the drifted ones titled in red: where the new images differ."""
    figure = Figure(figsize=(16, 6))
    axes = figure.subplots(2, 4).ravel()
    old = current_champion.profile if current_champion else None
    if old is None:
        figure.suptitle("No champion's data to compare with yet")
        return figure
    new = arrived_images(old, profile)
    for ax, statistic in zip(axes, STATISTICS, strict=True):
        shift = data_drift["statistics"][statistic]
        values = [old[statistic].dropna(), new[statistic].dropna()]
        edges = np.histogram_bin_edges(pd.concat(values), bins=30)
        for series, label in zip(values, ("champion's data", "new images"), strict=True):
            if len(series):
                ax.hist(series, bins=edges, density=True, alpha=0.5, label=label)
        psi = f"PSI {shift['overall']['psi']:.2f}" if shift["overall"] else "too few"
        drifted = shift["verdict"] == "drift"
        ax.set_title(f"{statistic}: {psi}", color="tab:red" if drifted else "black")
    axes[0].legend()
    figure.suptitle(
        f"{len(new):,} new images against the {len(old):,} of champion "
        f"{data_drift['reference']}"
    )
    figure.tight_layout()
    return figure


def build_retraining_report(
    promotion_decision: dict,
    data_drift: dict,
    data_drift_table: pd.DataFrame,
    current_champion: Champion | None,
    profile: pd.DataFrame,
) -> tuple[Figure, str]:
    """The drift figure, drawn once, and the retraining page that holds it (the page
    is self-contained like the run report)."""
    figure = plot_data_drift(current_champion, profile, data_drift)
    page = _TEMPLATES.get_template("retraining_report.html.j2").render(
        decision=promotion_decision,
        drift=data_drift,
        drift_table=html_table(data_drift_table),
        drift_figure=figure_image(figure, "statistics, old and new"),
        style=PAGE_STYLE,
    )
    return figure, page
