"""What a model was trained on, kept small, and how today's data differs from it.

A retraining that only knows "the folder's fingerprint changed" cannot say that the new
images are darker, smaller, of a new class or relabelled. The profile keeps, per
usable file, its path, label, split, content hash and the statistics validation
measured anyway (size, exposure, information, sharpness): about 100 bytes a file, a few
MB at 50,000. Two profiles compare file by file (added, removed, relabelled: the same
bytes under another class), class by class (counts, classes that appeared or
vanished) and statistic by statistic.

A statistic's shift is measured by the population stability index (PSI) over ten bins
cut at the old data's deciles: the sum over bins of (new share - old share) times the
log of their ratio. It is the usual score of credit and production monitoring, it is
zero for the same distribution, and its customary reading (below 0.1 no change, 0.1 to
0.25 a moderate shift, above 0.25 a large one) gives the threshold a meaning that does
not depend on the statistic's units. Deciles of the old data make every bin hold a
tenth of it, so a handful of outliers cannot dominate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from image_classification.core.params.retraining import DriftParams

# Per-file statistics of the image index that the profile keeps and compares.
STATISTICS = (
    "width",
    "height",
    "brightness_low",
    "brightness_high",
    "entropy",
    "sharpness",
)
PROFILE_COLUMNS = [
    "relative_path",
    "label",
    "split",
    "duplicate_group",
    "content_hash",
    *STATISTICS,
]
_BINS = 10
_EMPTY_SHARE = 1e-4  # a bin one side never fills: a large, finite score, not infinity


def data_profile(image_index: pd.DataFrame, split_manifest: pd.DataFrame) -> pd.DataFrame:
    """One row per file the split kept: where it went and what validation measured."""
    stats = image_index.set_index("relative_path")[["content_hash", *STATISTICS]]
    kept = split_manifest[["relative_path", "label", "split", "duplicate_group"]]
    profile = kept.join(stats, on="relative_path")
    return profile[PROFILE_COLUMNS].sort_values("relative_path", ignore_index=True)


def stability_index(old: np.ndarray, new: np.ndarray) -> float:
    """PSI of ``new`` against ``old`` over the deciles of ``old``."""
    old, new = np.asarray(old, float), np.asarray(new, float)
    old, new = old[np.isfinite(old)], new[np.isfinite(new)]
    if not len(old) or not len(new):
        return 0.0
    edges = np.unique(np.quantile(old, np.linspace(0, 1, _BINS + 1)[1:-1]))
    old_share = np.bincount(np.searchsorted(edges, old, "right"), minlength=len(edges) + 1)
    new_share = np.bincount(np.searchsorted(edges, new, "right"), minlength=len(edges) + 1)
    old_share = np.maximum(old_share / len(old), _EMPTY_SHARE)
    new_share = np.maximum(new_share / len(new), _EMPTY_SHARE)
    return float(np.sum((new_share - old_share) * np.log(new_share / old_share)))


def file_changes(old: pd.DataFrame, new: pd.DataFrame) -> dict:
    """Files added, removed, and relabelled (the same bytes under another class)."""
    added = sorted(set(new["relative_path"]) - set(old["relative_path"]))
    removed = sorted(set(old["relative_path"]) - set(new["relative_path"]))
    old_labels = old.groupby("content_hash")["label"].agg(frozenset)
    new_labels = new.drop_duplicates("content_hash").set_index("content_hash")["label"]
    shared = new_labels.index.intersection(old_labels.index)
    relabelled = new[
        new["content_hash"].isin(
            [key for key in shared if new_labels[key] not in old_labels[key]]
        )
    ]
    return {
        "added": added,
        "removed": removed,
        "relabelled": relabelled["relative_path"].tolist(),
    }


def near_duplicates_of_old(old: pd.DataFrame, new: pd.DataFrame) -> list[str]:
    """Added files in a duplicate group (of today's validation) with a file the old
    data held: new copies of old images rather than new images."""
    kept = new["relative_path"].isin(old["relative_path"])
    old_groups = set(new.loc[kept, "duplicate_group"])
    added = new[~kept]
    return sorted(added.loc[added["duplicate_group"].isin(old_groups), "relative_path"])


def class_changes(old: pd.DataFrame, new: pd.DataFrame) -> dict:
    """Images per class before and now, and the classes that appeared or vanished."""
    before = old["label"].value_counts()
    now = new["label"].value_counts()
    classes = sorted(set(before.index) | set(now.index))
    return {
        "counts": {
            name: {"before": int(before.get(name, 0)), "now": int(now.get(name, 0))}
            for name in classes
        },
        "appeared": sorted(set(now.index) - set(before.index)),
        "vanished": sorted(set(before.index) - set(now.index)),
    }


def statistic_shifts(
    old: pd.DataFrame, new: pd.DataFrame, min_class_images: int
) -> dict[str, dict]:
    """PSI of each statistic over all files and per class (classes with at least
    ``min_class_images`` files on both sides, so that deciles mean something)."""
    shifts = {}
    for statistic in STATISTICS:
        per_class = {}
        for name, group in new.groupby("label"):
            before = old.loc[old["label"] == name, statistic]
            if len(before) >= min_class_images and len(group) >= min_class_images:
                per_class[name] = round(stability_index(before, group[statistic]), 4)
        shifts[statistic] = {
            "overall": round(stability_index(old[statistic], new[statistic]), 4),
            "by_class": per_class,
        }
    return shifts


def drift_report(old: pd.DataFrame, new: pd.DataFrame, params: DriftParams) -> dict:
    """Every comparison with its verdict (``ok`` or ``drift``), and the items that
    drifted, for the run summary."""
    files = file_changes(old, new)
    classes = class_changes(old, new)
    shifts = statistic_shifts(old, new, params.min_class_images)
    total_before, total_now = max(len(old), 1), max(len(new), 1)
    share_moves = {
        name: round(count["now"] / total_now - count["before"] / total_before, 4)
        for name, count in classes["counts"].items()
    }
    drifted = [f"{len(files['relabelled'])} relabelled"] if files["relabelled"] else []
    drifted += [f"class {name} appeared" for name in classes["appeared"]]
    drifted += [f"class {name} vanished" for name in classes["vanished"]]
    drifted += [
        f"{name} share {move:+.1%}"
        for name, move in share_moves.items()
        if abs(move) > params.max_class_share_change
    ]
    for statistic, shift in shifts.items():
        shift["verdict"] = _verdict(shift["overall"] > params.max_stability_index)
        shift["drifted_classes"] = sorted(
            name
            for name, value in shift["by_class"].items()
            if value > params.max_stability_index
        )
        if shift["overall"] > params.max_stability_index or shift["drifted_classes"]:
            where = ", ".join(shift["drifted_classes"]) or "all classes"
            drifted.append(f"{statistic} (PSI {shift['overall']:.2f}; {where})")
    copies = near_duplicates_of_old(old, new)
    return {
        "verdict": _verdict(bool(drifted)),
        "drifted": drifted,
        "files": {
            key: {"count": len(paths), "examples": paths[:10]}
            for key, paths in files.items()
        },
        "near_duplicates_of_old": {"count": len(copies), "examples": copies[:10]},
        "classes": classes | {"share_change": share_moves},
        "statistics": shifts,
        "thresholds": params.model_dump(),
    }


def _verdict(drifted: bool) -> str:
    return "drift" if drifted else "ok"
