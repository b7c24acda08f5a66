"""Nodes of the data_validation pipeline."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from PIL import Image

from image_classification.figures import image_grid

from .checks import OK, QUARANTINED, inspect_file
from .params import DataValidationParams

logger = logging.getLogger(__name__)


def resolve_class_names(
    raw_images: pd.DataFrame, params: DataValidationParams
) -> list[str]:
    """Check the class folders against the configured class list before decoding.

    Args:
        raw_images: Listing of the image folder (``relative_path``, ``path``, ``label``).
        params: ``classes`` is the expected list; null takes the folders found.

    Returns:
        Class names in label-index order.

    Raises:
        ValueError: A folder is not a configured class, a configured class has no
            files, or fewer than two classes were found.
    """
    has_file = raw_images[~raw_images["relative_path"].str.contains(r"(?:^|/)\.")]
    folders = sorted(set(has_file["label"]) - {""})
    if params.classes is None:
        if len(folders) < 2:
            raise ValueError(
                f"found {len(folders)} class folder(s) {folders}: an image folder needs "
                "one sub-folder per class, at least two"
            )
        return folders
    unknown = [folder for folder in folders if folder not in params.classes]
    if unknown:
        raise ValueError(
            f"class folder(s) {unknown} are not in data_validation.classes "
            f"{list(params.classes)}: add them to the list or move them out of the "
            "image folder"
        )
    empty = [name for name in params.classes if name not in folders]
    if empty:
        raise ValueError(
            f"configured class(es) {empty} have no files: their folders are missing or "
            "empty in the image folder"
        )
    return list(params.classes)


def build_image_index(
    raw_images: pd.DataFrame, class_names: list[str], params: DataValidationParams
) -> pd.DataFrame:
    """Decode every file once, in parallel, and record what it is and whether it is usable.

    Exact duplicates (same decoded pixels) filed under different classes are all
    quarantined: no label can be trusted. Duplicates within a class stay; the split
    keeps them on one side.

    Args:
        raw_images: Listing of the image folder.
        class_names: Output of ``resolve_class_names`` (ties the node to that check).
        params: ``workers`` sets the number of decoding threads.

    Returns:
        The image index: one row per file with checks, ``status`` and ``reason``.
    """
    columns = [raw_images[name] for name in ("relative_path", "path", "label")]
    with ThreadPoolExecutor(max_workers=params.workers) as pool:
        records = list(pool.map(inspect_file, *columns))
    index = _quarantine_conflicting_duplicates(pd.DataFrame.from_records(records))
    counts = index["status"].value_counts().to_dict()
    logger.info(
        "Inspected %d files of %d classes: %d ok, %d quarantined",
        len(index),
        len(class_names),
        counts.get(OK, 0),
        counts.get(QUARANTINED, 0),
    )
    return index


def _quarantine_conflicting_duplicates(index: pd.DataFrame) -> pd.DataFrame:
    decoded = index[index["pixel_hash"].notna() & index["label"].ne("")]
    label_sets = decoded.groupby("pixel_hash")["label"].nunique()
    conflicting = set(label_sets[label_sets > 1].index)
    index = index.copy()
    conflicting_rows = decoded[decoded["pixel_hash"].isin(conflicting)]
    for _, group in conflicting_rows.groupby("pixel_hash"):
        for row in group.itertuples():
            others = ", ".join(
                f"{other.relative_path} ({other.label})"
                for other in group.itertuples()
                if other.Index != row.Index
            )
            index.loc[row.Index, ["status", "reason", "detail"]] = [
                QUARANTINED,
                "duplicate_label_conflict",
                f"same pixels as {others}",
            ]
        logger.warning("Conflicting labels for one image: %s", list(group["relative_path"]))
    return index


def summarize_validation(
    image_index: pd.DataFrame, class_names: list[str], params: DataValidationParams
) -> tuple[pd.DataFrame, dict, dict]:
    """Build the quarantine table and the validation report, and check the limits.

    Args:
        image_index: Output of ``build_image_index``.
        class_names: Class names in label-index order.
        params: The limits, copied into the report with the measured values.

    Returns:
        The quarantine table (file, class, reason, detail), the report (counts per
        reason and per class, conversions, duplicate groups, limits) and the limits
        alone, with the measured value and whether each holds. The limits go to
        ``select_clean_images`` on their own so that the report stays a pure output
        (kedro-viz draws the reporting layer last).
    """
    quarantined = image_index[image_index["status"] == QUARANTINED]
    quarantine = quarantined[["relative_path", "label", "reason", "detail"]].reset_index(
        drop=True
    )
    ok = image_index[image_index["status"] == OK]
    per_class = {
        name: {
            "ok": int((ok["label"] == name).sum()),
            "quarantined": int((quarantined["label"] == name).sum()),
        }
        for name in class_names
    }
    fraction = len(quarantined) / max(len(image_index), 1)
    smallest = min(per_class.values(), key=lambda counts: counts["ok"])["ok"]
    duplicate_sizes = ok.groupby("pixel_hash").size()
    limits = {
        "max_quarantined_fraction": {
            "limit": params.max_quarantined_fraction,
            "value": round(fraction, 4),
            "holds": fraction <= params.max_quarantined_fraction,
        },
        "min_images_per_class": {
            "limit": params.min_images_per_class,
            "value": smallest,
            "holds": smallest >= params.min_images_per_class,
        },
    }
    report = {
        "files": len(image_index),
        "ok": len(ok),
        "quarantined": len(quarantined),
        "quarantined_by_reason": _counts(quarantined["reason"]),
        "per_class": per_class,
        "files_outside_classes": int((~image_index["label"].isin(class_names)).sum()),
        "converted_to_rgb_by_mode": _counts(ok.loc[ok["converted_to_rgb"], "mode"]),
        "duplicate_groups_kept": int((duplicate_sizes > 1).sum()),
        "limits": limits,
    }
    return quarantine, report, limits


def _counts(values: pd.Series) -> dict[str, int]:
    return {str(key): int(count) for key, count in sorted(values.value_counts().items())}


def select_clean_images(image_index: pd.DataFrame, validation_limits: dict) -> pd.DataFrame:
    """Keep the usable images, or stop the run when a configured limit is exceeded.

    Runs after the quarantine table and report are saved, so a failed run still leaves
    them to read.

    Args:
        image_index: Output of ``build_image_index``.
        validation_limits: The limits as checked by ``summarize_validation``.

    Returns:
        The rows with status ok.

    Raises:
        ValueError: Naming each limit that does not hold and its measured value.
    """
    broken = {
        name: limit for name, limit in validation_limits.items() if not limit["holds"]
    }
    if broken:
        details = "; ".join(
            f"data_validation.{name} is {limit['limit']}, the data gives {limit['value']}"
            for name, limit in broken.items()
        )
        raise ValueError(
            f"image folder fails validation limits: {details}. The quarantine table "
            "lists the files and reasons, the validation report the counts per class."
        )
    return image_index[image_index["status"] == OK].reset_index(drop=True)


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
        rows.append([np.asarray(Image.open(path).convert("RGB")) for path in chosen])
    return image_grid(rows, row_labels=class_names, title="Samples per class")
