"""Nodes of the data_validation pipeline."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from image_classification.core.errors import InputError
from image_classification.core.groups import group_ids
from image_classification.core.image_pack import DecodedPixels, StoredShard
from image_classification.core.image_size import chosen_image_size, sampled_sizes
from image_classification.core.inspection import OK, QUARANTINED, THUMBNAIL_SIDE
from image_classification.core.inspection_engines import inspected_chunks
from image_classification.core.params.data_validation import DataValidationParams
from image_classification.core.params.image_sizing import ImageSizingParams
from image_classification.core.params.same_photo import SamePhotoParams

from .duplicates import near_duplicate_pairs, same_photo_test
from .flags import (
    apply_actions,
    content_findings,
    duplicate_findings,
    hard_failures,
    labels_file_findings,
)

logger = logging.getLogger(__name__)


def resolve_class_names(
    raw_images: pd.DataFrame, image_labels: pd.DataFrame, params: DataValidationParams
) -> list[str]:
    """Check class folders and labels file against the class list before decoding.

    Args:
        raw_images: Listing of the image folder (``relative_path``, ``path``, ``label``).
        image_labels: The optional labels file; its labels must all be classes.
        params: ``classes`` is the expected list; null takes the folders found.

    Returns:
        Class names in label-index order.

    Raises:
        InputError: A folder or a label of the labels file is not a class, a
            configured class has no files, or fewer than two classes were found.
    """
    classes = _class_folders(raw_images, params)
    unknown = sorted(set(image_labels["label"]) - set(classes))
    if unknown:
        raise InputError(
            f"the labels file names class(es) {unknown} that are not classes {classes}"
        )
    return classes


def _class_folders(raw_images: pd.DataFrame, params: DataValidationParams) -> list[str]:
    listed = raw_images[
        ~raw_images["relative_path"].str.contains(r"(?:^|/)\.")
        & ~raw_images["invalid_name"]
    ]
    empty_folder = listed["relative_path"].str.endswith("/")
    folders = sorted(set(listed.loc[~empty_folder, "label"]) - {""})
    empty_folders = set(listed.loc[empty_folder, "label"])
    if params.classes is None:
        if len(folders) < 2:
            raise InputError(
                f"found {len(folders)} class folder(s) {folders}: an image folder needs "
                "one sub-folder per class, at least two"
            )
        return folders
    unknown = [folder for folder in folders if folder not in params.classes]
    if unknown:
        raise InputError(
            f"class folder(s) {unknown} are not in data_validation.classes "
            f"{list(params.classes)}: add them to the list or move them out of the "
            "image folder"
        )
    lacking = [name for name in params.classes if name not in folders]
    if lacking:
        empty = [name for name in lacking if name in empty_folders]
        missing = [name for name in lacking if name not in empty_folders]
        raise InputError(
            "configured class(es) have no files:"
            + (f" {empty} are empty folders" if empty else "")
            + (" and" if empty and missing else "")
            + (f" {missing} have no folder" if missing else "")
            + " in the image folder"
        )
    return list(params.classes)


def choose_image_size(
    raw_images: pd.DataFrame,
    class_names: list[str],
    image_size: object,
    params: ImageSizingParams,
    seed: int,
) -> dict:
    """The size every image is trained at: ``image_size``, or with ``auto`` the
    images' median short side up to ``max_side`` (``core.image_size``).

    Args:
        raw_images: Listing of the image folder; the files of ``class_names`` are
            measured.
        class_names: Output of ``resolve_class_names``.
        image_size: ``auto`` or ``[height, width]``, checked before the run
            (``ProjectParams``); not typed here: Kedro cannot check a union.
        params: ``max_side``, ``sample_files`` and ``fit``.
        seed: Which files are sampled.

    Returns:
        ``height``, ``width``, ``fit`` and ``chosen_from``.
    """
    sizes = np.empty((0, 2), int)
    if image_size == "auto":
        files = raw_images[raw_images["label"].isin(class_names)]
        sizes = sampled_sizes(list(files["path"]), params.sample_files, seed)
    chosen = chosen_image_size(image_size, sizes, params)
    logger.info(
        "Training images: %dx%d (%s), %s",
        chosen["height"],
        chosen["width"],
        chosen["fit"],
        chosen["chosen_from"],
    )
    return chosen


def _inspected_columns(
    rows: list[tuple], params: DataValidationParams, image_size: tuple, fit: str
) -> tuple[dict[str, list], DecodedPixels]:
    """The inspection's columns over all rows in their order, and the decoded pixels."""
    # One block for all pixels: freed whole once packed, where 50,000 small arrays
    # would leave the allocator's heap fragmented and the process larger for good.
    # (Untouched pages cost nothing: on Dask the workers keep the pixels.)
    block = np.zeros((len(rows), *image_size, 3), np.uint8)
    chunks, stored = {}, {}
    for start, chunk in inspected_chunks(rows, params, image_size, fit):
        if isinstance(chunk.pixels, StoredShard):
            stored[start] = chunk.pixels
        else:
            block[start : start + len(chunk.decoded)] = chunk.pixels
        chunks[start] = chunk._replace(pixels=None)
    in_order = [chunks[start] for start in sorted(chunks)]
    columns = {
        name: [value for chunk in in_order for value in chunk.columns[name]]
        for name in in_order[0].columns
    }
    if stored:
        shards = [stored[start] for start in sorted(stored) if len(stored[start])]
        return columns, DecodedPixels(stored=shards)
    decoded = np.concatenate([chunk.decoded for chunk in in_order])
    paths = columns["relative_path"]
    by_path = {paths[position]: block[position] for position in np.flatnonzero(decoded)}
    return columns, DecodedPixels(by_path=by_path)


def inspect_images(
    raw_images: pd.DataFrame,
    class_names: list[str],
    params: DataValidationParams,
    training_image_size: dict,
) -> tuple[pd.DataFrame, DecodedPixels]:
    """Decode every file once, in parallel, and record what it is and whether it is usable.

    Exact duplicates (same decoded pixels) filed under different classes are all
    quarantined: no label can be trusted. Duplicates within a class stay; the split
    keeps them on one side. The same decode gives the pixels training learns from,
    fitted to the training image size, for ``packing`` to write.

    Args:
        raw_images: Listing of the image folder.
        class_names: Output of ``resolve_class_names`` (ties the node to that check).
        params: ``workers`` sets the number of decoding processes, ``max_pixels`` the
            decompression-bomb limit.
        training_image_size: Output of ``choose_image_size``.

    Returns:
        One row per file with checks, content statistics, a grayscale thumbnail,
        ``status`` and ``reason``; and the pixels of each decoded file (on Dask, the
        shards the workers wrote of the files usable after inspection).
    """
    image_size = (training_image_size["height"], training_image_size["width"])
    rows = list(
        raw_images[
            ["relative_path", "path", "label", "outside_root", "invalid_name"]
        ].itertuples(index=False, name=None)
    )
    columns, pixels_of = _inspected_columns(
        rows, params, image_size, training_image_size["fit"]
    )
    inspected = _quarantine_conflicting_duplicates(pd.DataFrame(columns))
    counts = inspected["status"].value_counts().to_dict()
    logger.info(
        "Inspected %d files of %d classes: %d decodable, %d quarantined",
        len(inspected),
        len(class_names),
        counts.get(OK, 0),
        counts.get(QUARANTINED, 0),
    )
    return inspected, pixels_of


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


def find_near_duplicates(
    inspected_images: pd.DataFrame,
    params: DataValidationParams,
    same_photo: SamePhotoParams,
) -> pd.DataFrame:
    """Pairs of decodable images that are the same photo again: re-encoded, resized,
    recoloured, shifted or cropped a little (see ``duplicates``).

    Args:
        inspected_images: Output of ``inspect_images``.
        params: ``flags.near_duplicate`` holds the candidate search's bounds.
        same_photo: The thresholds of the same-photo test.

    Returns:
        ``first``, ``second`` (relative paths), ``distance`` (of the smoothed 32x32
        thumbnails) and the same-photo scores (``aligned_score``, ``edge_score``, and
        ``detail_score`` for images larger than 32 pixels) per pair.
    """
    decoded = inspected_images[inspected_images["status"] == OK]
    side = THUMBNAIL_SIDE
    thumbnails = np.frombuffer(b"".join(decoded["thumbnail"]), dtype=np.uint8)
    near = params.flags.near_duplicate
    candidates = near_duplicate_pairs(
        thumbnails.reshape(len(decoded), side, side),
        max_distance=near.max_thumbnail_distance,
        neighbors=near.neighbors,
        candidate_radius=near.candidate_radius,
    )
    positions = candidates[:, :2].astype(int)
    tested = same_photo_test(positions, decoded["detail_thumbnail"].tolist(), same_photo)
    paths = decoded["relative_path"].to_numpy()
    pairs = pd.DataFrame(
        {
            "first": paths[positions[:, 0]],
            "second": paths[positions[:, 1]],
            "distance": candidates[:, 2].round(4),
            "aligned_score": tested["aligned_score"].round(4),
            "edge_score": tested["edge_score"].round(4),
            "detail_score": tested["detail_score"].round(4),
        }
    )[tested["same"].to_numpy(bool)].reset_index(drop=True)
    logger.info(
        "Found %d near-duplicate pairs among %d images (%d candidates tested)",
        len(pairs),
        len(decoded),
        len(candidates),
    )
    return pairs


def keep_detail_thumbnails(inspected_images: pd.DataFrame) -> pd.DataFrame:
    """The larger grayscale thumbnail of every decodable file, for the leakage audit
    to run the same-photo test across the split (see
    ``core.inspection.detail_thumbnail``).

    Args:
        inspected_images: Output of ``inspect_images``.

    Returns:
        ``relative_path`` and ``detail_thumbnail`` (square grayscale bytes, its side
        the square root of their length).
    """
    decoded = inspected_images[inspected_images["status"] == OK]
    return decoded[["relative_path", "detail_thumbnail"]].reset_index(drop=True)


def flag_images(
    inspected_images: pd.DataFrame,
    near_duplicate_pairs: pd.DataFrame,
    image_labels: pd.DataFrame,
    params: DataValidationParams,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Group duplicates, raise the quality flags and apply their actions.

    Args:
        inspected_images: Output of ``inspect_images``.
        near_duplicate_pairs: Output of ``find_near_duplicates``.
        image_labels: The optional labels file (``file``, ``label``), maybe empty.
        params: Thresholds and actions of every flag.

    Returns:
        The image index (one row per file, ``duplicate_group`` set for decodable
        files, thumbnails dropped) and the findings (one row per file and check:
        score, threshold, action, detail), twice: for Parquet and for CSV.
    """
    index = inspected_images.drop(columns=["thumbnail", "detail_thumbnail"])
    decoded = index["status"] == OK
    index["duplicate_group"] = None
    index.loc[decoded, "duplicate_group"] = _duplicate_groups(
        index.loc[decoded, ["relative_path", "pixel_hash"]], near_duplicate_pairs
    )
    findings = pd.concat(
        [
            hard_failures(index),
            content_findings(index, params.flags),
            duplicate_findings(index, near_duplicate_pairs, params.flags),
            labels_file_findings(index, image_labels, params.flags),
        ],
        ignore_index=True,
    ).sort_values(["relative_path", "check"], ignore_index=True)
    index = apply_actions(index, findings)
    return index, findings, findings


def _duplicate_groups(decoded: pd.DataFrame, pairs: pd.DataFrame) -> np.ndarray:
    """Each image's group of exact and near duplicates, named by the group's smallest
    pixel hash, so the name depends on the images' content only."""
    count = len(decoded)
    position = pd.Series(np.arange(count), index=decoded["relative_path"].to_numpy())
    near = np.column_stack(
        [position[pairs["first"]].to_numpy(), position[pairs["second"]].to_numpy()]
    )
    same_pixels = decoded.groupby("pixel_hash").ngroup().to_numpy()
    first_copy = pd.Series(np.arange(count)).groupby(same_pixels).transform("min")
    exact = np.column_stack([np.arange(count), first_copy.to_numpy()])
    components = group_ids(count, np.vstack([near, exact]))
    hashes = pd.Series(decoded["pixel_hash"].to_numpy())
    return hashes.groupby(components).transform("min").to_numpy()


def _limits(
    fraction: float, per_class: dict[str, dict], params: DataValidationParams
) -> dict[str, dict]:
    """The run's limits, each with its measured value and whether it holds."""
    smallest = min(per_class.values(), key=lambda counts: counts["ok"])["ok"]
    return {
        "max_quarantined_fraction": {
            "limit": params.max_quarantined_fraction,
            "value": round(fraction, 4),
            "holds": fraction <= params.max_quarantined_fraction,
        },
        "min_images_per_class": {
            "limit": params.min_images_per_class,
            "value": smallest,
            "holds": smallest >= params.min_images_per_class,
            "classes_below": {
                name: counts["ok"]
                for name, counts in per_class.items()
                if counts["ok"] < params.min_images_per_class
            },
        },
    }


def summarize_validation(
    image_index: pd.DataFrame,
    validation_findings: pd.DataFrame,
    class_names: list[str],
    params: DataValidationParams,
) -> tuple[pd.DataFrame, dict, dict]:
    """Build the quarantine table and the validation report, and check the limits.

    Args:
        image_index: Output of ``flag_images``.
        validation_findings: One row per file and check, from ``flag_images``.
        class_names: Class names in label-index order.
        params: The limits and flag thresholds, copied into the report.

    Returns:
        The quarantine table (file, class, reason, detail), the report (counts per
        reason, per check and per class, conversions, duplicate groups, thresholds,
        limits) and the limits
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
    limits = _limits(len(quarantined) / max(len(image_index), 1), per_class, params)
    duplicate_sizes = ok.groupby("duplicate_group").size()
    report = {
        "files": len(image_index),
        "ok": len(ok),
        "quarantined": len(quarantined),
        "quarantined_by_reason": _counts(quarantined["reason"]),
        "per_class": per_class,
        "files_outside_classes": int((~image_index["label"].isin(class_names)).sum()),
        "converted_to_rgb_by_mode": _counts(ok.loc[ok["converted_to_rgb"], "mode"]),
        "duplicate_groups_kept": int((duplicate_sizes > 1).sum()),
        "findings_by_check": {
            check: {
                "files": len(group),
                "action": group["action"].iloc[0],
            }
            for check, group in validation_findings.groupby("check")
        },
        "thresholds": params.flags.model_dump(),
        "limits": limits,
    }
    return quarantine, report, limits


def _counts(values: pd.Series) -> dict[str, int]:
    return {str(key): int(count) for key, count in sorted(values.value_counts().items())}


def _classes_below(limit: dict) -> str:
    below = limit.get("classes_below")
    if not below:
        return ""
    counts = ", ".join(f"'{name}' {count}" for name, count in below.items())
    return f" (usable images: {counts})"


def select_clean_images(image_index: pd.DataFrame, validation_limits: dict) -> pd.DataFrame:
    """Keep the usable images, or stop the run when a configured limit is exceeded.

    Runs after the quarantine table and report are saved, so a failed run still leaves
    them to read.

    Args:
        image_index: Output of ``flag_images``.
        validation_limits: The limits as checked by ``summarize_validation``.

    Returns:
        The rows with status ok.

    Raises:
        InputError: Naming each limit that does not hold and its measured value.
    """
    broken = {
        name: limit for name, limit in validation_limits.items() if not limit["holds"]
    }
    if broken:
        details = "; ".join(
            f"data_validation.{name} is {limit['limit']}, the data gives {limit['value']}"
            + _classes_below(limit)
            for name, limit in broken.items()
        )
        raise InputError(
            f"image folder fails validation limits: {details}. The quarantine table "
            "lists the files and reasons, the validation report the counts per class."
        )
    return image_index[image_index["status"] == OK].reset_index(drop=True)
