"""Nodes of the data_split pipeline.

A file's split is derived from a hash of the seed and its duplicate group (the smallest
pixel hash among its exact and near duplicates), not from its position in a list:
adding or removing unrelated files never moves it, and duplicates always share a split.
A new file that is a near duplicate of an existing group with a smaller pixel hash
renames the group and may move it, as a whole, to another split. Per class, the split
shares follow the configured fractions up to sampling noise (about
``sqrt(n * f * (1 - f))`` files for a class of ``n`` files); the split report shows the
counts. A shuffled, exactly stratified split (scikit-learn's) would reassign files
every time one is added.

Sampling noise can leave a small class without a file in a split (a class of 10 files
has about a 20% chance of none in a 15% test split). Such a class gets, for each split
it lacks, the group whose hash position lies nearest that split's interval, taken from
a split that keeps at least one of the class's groups: still a function of the hashes,
so the same files give the same split.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from image_classification.core.groups import group_ids
from image_classification.core.manifest import SPLITS
from image_classification.core.params.data_split import DataSplitParams

MANIFEST_COLUMNS = [
    "relative_path",
    "path",
    "label",
    "label_index",
    "pixel_hash",
    "duplicate_group",
    "split",
]
SPLIT_PAIRS = (("train", "validation"), ("train", "test"), ("validation", "test"))


def _unit_interval(seed: int, key: str) -> float:
    digest = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def assign_splits(
    clean_image_index: pd.DataFrame,
    class_names: list[str],
    params: DataSplitParams,
    seed: int,
    audited_twins: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Give every clean image a split.

    Args:
        clean_image_index: Usable images with ``duplicate_group`` and ``label``.
        class_names: Label-index order.
        params: Split fractions; ``keep_twins_together`` merges the groups of
            ``audited_twins``.
        seed: Changes every assignment when changed.
        audited_twins: The last leakage audit's ``cross_split_twins`` (empty before
            the first): ``relative_path`` and ``train_relative_path`` per pair.

    Returns:
        The split manifest: file, label, label index, pixel hash, split.
    """
    if params.keep_twins_together and audited_twins is not None and len(audited_twins):
        clean_image_index = _twins_grouped(clean_image_index, audited_twins)
    position = np.array(
        [_unit_interval(seed, key) for key in clean_image_index["duplicate_group"]],
        dtype=float,
    )
    fractions = params.fractions
    split = np.select(
        [position < fractions.train, position < fractions.train + fractions.validation],
        ["train", "validation"],
        default="test",
    )
    manifest = clean_image_index.assign(
        label_index=clean_image_index["label"].map(class_names.index).astype("int64"),
        split=split,
        position=position,
    )
    manifest = _cover_every_split(manifest, params)
    return manifest[MANIFEST_COLUMNS].sort_values("relative_path").reset_index(drop=True)


def _twins_grouped(index: pd.DataFrame, twins: pd.DataFrame) -> pd.DataFrame:
    """``index`` with each set of duplicate groups joined by twin pairs renamed to its
    smallest group name: like a duplicate group, the set then hashes to one split, and
    the same files and twins give the same split on every run."""
    group_of = index.set_index("relative_path")["duplicate_group"]
    pairs = twins[
        twins["relative_path"].isin(group_of.index)
        & twins["train_relative_path"].isin(group_of.index)
    ]
    names = np.unique(group_of.to_numpy())
    position = {name: at for at, name in enumerate(names)}
    links = np.array(
        [
            [position[group_of[path]] for path in pairs["relative_path"]],
            [position[group_of[path]] for path in pairs["train_relative_path"]],
        ]
    ).T
    renamed = dict(zip(names, names[group_ids(len(names), links)], strict=True))
    return index.assign(duplicate_group=index["duplicate_group"].map(renamed))


def _interval(split: str, params: DataSplitParams) -> tuple[float, float]:
    train, validation = params.fractions.train, params.fractions.validation
    return {
        "train": (0.0, train),
        "validation": (train, train + validation),
        "test": (train + validation, 1.0),
    }[split]


def _cover_every_split(manifest: pd.DataFrame, params: DataSplitParams) -> pd.DataFrame:
    """Move, per class and per split the class lacks, the nearest group into it.

    Only groups whose files all carry the class move (a group spanning classes would
    move files of another class), and only from a split where the class keeps another
    group; a class of fewer groups than splits keeps what it has.
    """
    manifest = manifest.copy()
    one_class = manifest.groupby("duplicate_group")["label"].transform("nunique") == 1
    for label in manifest["label"].unique():
        of_class = manifest["label"] == label
        if manifest.loc[of_class, "duplicate_group"].nunique() < len(SPLITS):
            continue
        for split in SPLITS:
            if (manifest.loc[of_class, "split"] == split).any():
                continue
            groups = (
                manifest[of_class & one_class]
                .groupby("duplicate_group")
                .agg(position=("position", "first"), split=("split", "first"))
            )
            groups_per_split = groups["split"].value_counts()
            movable = groups[groups["split"].map(groups_per_split) > 1]
            if movable.empty:
                continue
            low, high = _interval(split, params)
            distance = np.maximum(low - movable["position"], movable["position"] - high)
            nearest = distance.sort_index().idxmin()
            manifest.loc[manifest["duplicate_group"] == nearest, "split"] = split
    return manifest


def report_split(
    split_manifest: pd.DataFrame, class_names: list[str], params: DataSplitParams
) -> dict:
    """Count images per class and split, and compare the shares with the fractions.

    Args:
        split_manifest: Output of ``assign_splits``.
        class_names: Row order of the counts.
        params: The configured fractions.

    Returns:
        Counts per split and class, each split's share of all images, the largest gap
        between a class's share and the configured fraction, class imbalance per split
        (largest over smallest class) and leakage: duplicate groups found in both
        splits of each pair.
    """
    counts = pd.crosstab(split_manifest["label"], split_manifest["split"])
    counts = counts.reindex(index=class_names, columns=list(SPLITS), fill_value=0)
    class_shares = counts.div(counts.sum(axis=1).replace(0, 1), axis=0)
    wanted = params.fractions.model_dump()
    return {
        "images": len(split_manifest),
        "counts": {
            split: {name: int(counts.loc[name, split]) for name in class_names}
            for split in SPLITS
        },
        "share": {
            split: round(float(counts[split].sum()) / max(len(split_manifest), 1), 4)
            for split in SPLITS
        },
        "fractions": wanted,
        "largest_class_share_gap": {
            split: round(float((class_shares[split] - wanted[split]).abs().max()), 4)
            for split in SPLITS
        },
        "imbalance": {split: _imbalance(counts[split], params) for split in SPLITS},
        "leakage": _leakage(split_manifest),
    }


def _imbalance(class_counts: pd.Series, params: DataSplitParams) -> dict:
    ratio = float(class_counts.max()) / max(float(class_counts.min()), 1.0)
    return {
        "largest_over_smallest": round(ratio, 2),
        "threshold": params.max_imbalance_ratio,
        "imbalanced": ratio > params.max_imbalance_ratio,
    }


def _leakage(split_manifest: pd.DataFrame) -> dict[str, int]:
    splits_of_group = split_manifest.groupby("duplicate_group")["split"].agg(set)
    return {
        f"{first}-{second}": int(
            sum({first, second} <= splits for splits in splits_of_group)
        )
        for first, second in SPLIT_PAIRS
    }
