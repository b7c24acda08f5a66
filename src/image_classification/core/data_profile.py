"""What a model was trained on, kept small, and how today's data differs from it.

A retraining that only knows "the folder's fingerprint changed" cannot say that the new
images are darker, smaller, of a new class or relabelled. The profile keeps, per
usable file, its path, label, split, content hash and the statistics validation
measured anyway (size, exposure, information, sharpness, colour): about 90 bytes a
file, about 4 MB at 50,000. Two profiles compare file by file (added, removed,
changed, relabelled: the same bytes under another class), class by class (each
class's share of the images, classes that appeared or vanished) and statistic by
statistic.

The statistics compare the images that arrived (bytes the old data did not hold) with
the old images, as a data validator compares each new span with the last: compared as
a whole, old and new, a darker batch would fade from view as the folder grows.

A statistic's shift is measured by the population stability index (PSI) over ten bins
cut at the old data's deciles: the sum over bins of (new share - old share) times the
log of their ratio. It is the usual score of credit and production monitoring, it is
zero for the same distribution, and its customary reading (below 0.1 no change, 0.1 to
0.25 a moderate shift, above 0.25 a large one) gives the threshold a meaning that does
not depend on the statistic's units. Deciles of the old data make every bin hold a
tenth of it, so a handful of outliers cannot dominate. A few new images score a large
PSI by chance alone (40 images of the same kind pass 0.25 about half the time), so a
shift counts as drift only when it is also beyond what sampling gives 99 times in 100:
the chance level is drawn, with a fixed seed, from pairs of samples of the same sizes
out of the old bins. Each bin counts half an image more on both sides, so an empty bin
scores as a rare one rather than as infinity.
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
    "colourfulness",
    "warmth",
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
_CHANCE = 0.99  # a PSI that sampling alone exceeds once in 100 comparisons
_DRAWS = 2000  # pairs of samples drawn to find that PSI
_EXAMPLES = 10  # paths a report lists per item


def data_profile(image_index: pd.DataFrame, split_manifest: pd.DataFrame) -> pd.DataFrame:
    """One row per file the split kept: where it went and what validation measured."""
    stats = image_index.set_index("relative_path")[["content_hash", *STATISTICS]]
    kept = split_manifest[["relative_path", "label", "split", "duplicate_group"]]
    profile = kept.join(stats, on="relative_path")
    return profile[PROFILE_COLUMNS].sort_values("relative_path", ignore_index=True)


def stability_index(old: np.ndarray, new: np.ndarray) -> float:
    """PSI of ``new`` against ``old`` over the deciles of ``old``."""
    old, new = _finite(old), _finite(new)
    if not len(old) or not len(new):
        return 0.0
    return float(_psi(*_decile_counts(old, new)))


def _decile_counts(old: np.ndarray, new: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Counts of ``old`` and ``new`` in the bins between the deciles of ``old``."""
    edges = np.unique(np.quantile(old, np.linspace(0, 1, _BINS + 1)[1:-1]))
    old_counts = np.bincount(np.searchsorted(edges, old, "right"), minlength=len(edges) + 1)
    new_counts = np.bincount(np.searchsorted(edges, new, "right"), minlength=len(edges) + 1)
    return old_counts, new_counts


def _shift_and_chance(old: np.ndarray, new: np.ndarray) -> tuple[float, float]:
    """PSI of ``new`` against ``old``, and the PSI that samples of these sizes from
    one distribution exceed once in 100 (``_CHANCE``), drawn with a fixed seed."""
    if not len(old) or not len(new):
        return 0.0, 0.0
    old_counts, new_counts = _decile_counts(old, new)
    shares = old_counts / len(old)
    rng = np.random.default_rng(0)
    same_old = rng.multinomial(len(old), shares, size=_DRAWS)
    same_new = rng.multinomial(len(new), shares, size=_DRAWS)
    chance = np.quantile(_psi(same_old, same_new), _CHANCE)
    return float(_psi(old_counts, new_counts)), float(chance)


def _psi(old_counts: np.ndarray, new_counts: np.ndarray) -> np.ndarray:
    """PSI of bin counts (last axis), each bin given half an image more: an empty
    bin scores as a rare one, not as infinity."""
    old_share = (old_counts + 0.5) / (old_counts.sum(-1, keepdims=True) + 0.5 * _BINS)
    new_share = (new_counts + 0.5) / (new_counts.sum(-1, keepdims=True) + 0.5 * _BINS)
    return np.sum((new_share - old_share) * np.log(new_share / old_share), axis=-1)


def _finite(values) -> np.ndarray:
    values = np.asarray(values, float)
    return values[np.isfinite(values)]


def arrived_images(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """The files of ``new`` whose bytes the old data did not hold: added files, and
    files changed in place. A moved or relabelled file has not arrived."""
    return new[~new["content_hash"].isin(old["content_hash"])]


def file_changes(old: pd.DataFrame, new: pd.DataFrame) -> dict[str, list[str]]:
    """Files added, removed, changed in place (same path, other bytes) and relabelled
    (the same bytes under another class)."""
    before = old.set_index("relative_path")["content_hash"]
    now = new.set_index("relative_path")["content_hash"]
    kept = before.index.intersection(now.index)
    old_labels = old.groupby("content_hash")["label"].agg(frozenset)
    known = new[new["content_hash"].isin(old_labels.index)]
    relabelled = [
        path
        for path, content, label in known[
            ["relative_path", "content_hash", "label"]
        ].itertuples(index=False)
        if label not in old_labels[content]
    ]
    return {
        "added": sorted(set(now.index) - set(before.index)),
        "removed": sorted(set(before.index) - set(now.index)),
        "changed": sorted(kept[before[kept].to_numpy() != now[kept].to_numpy()]),
        "relabelled": sorted(relabelled),
    }


def near_duplicates_of_old(old: pd.DataFrame, new: pd.DataFrame) -> list[str]:
    """Added files in a duplicate group (of today's validation) with a file the old
    data held and still holds: copies of old images rather than new images. A file
    moved to another path leaves no old file behind, so it is not a copy."""
    kept = new["relative_path"].isin(old["relative_path"])
    old_groups = set(new.loc[kept, "duplicate_group"])
    added = new[~kept]
    return sorted(added.loc[added["duplicate_group"].isin(old_groups), "relative_path"])


def class_changes(old: pd.DataFrame, new: pd.DataFrame, params: DriftParams) -> dict:
    """Images and share of the images per class, before and now; the classes that
    appeared or vanished, and those whose share grew or shrank by more than the
    allowed factor (classes of at least ``min_class_images`` on one side)."""
    before = old["label"].value_counts()
    now = new["label"].value_counts()
    counts, drifted = {}, []
    for name in sorted(set(before.index) | set(now.index)):
        count_before, count_now = int(before.get(name, 0)), int(now.get(name, 0))
        ratio = None
        if count_before and count_now:
            ratio = round((count_now / len(new)) / (count_before / len(old)), 4)
        counts[name] = {"before": count_before, "now": count_now, "share_ratio": ratio}
        large = max(count_before, count_now) >= params.min_class_images
        limit = params.max_class_share_ratio
        if ratio is not None and large and not 1 / limit <= ratio <= limit:
            drifted.append(name)
    return {
        "counts": counts,
        "appeared": sorted(set(now.index) - set(before.index)),
        "vanished": sorted(set(before.index) - set(now.index)),
        "share_drifted": drifted,
    }


def statistic_shift(old_values, new_values, params: DriftParams) -> dict | None:
    """PSI of one statistic with the threshold it is held to: the larger of the
    parameter and the chance level of these sample sizes; None below the sizes."""
    old_values, new_values = _finite(old_values), _finite(new_values)
    if min(len(old_values), len(new_values)) < params.min_class_images:
        return None
    value, chance = _shift_and_chance(old_values, new_values)
    threshold = max(params.max_stability_index, chance)
    return {"psi": round(value, 4), "threshold": round(threshold, 4)}


def shifted(shift: dict | None) -> bool:
    """Whether a statistic's shift (``statistic_shift``) is beyond its threshold."""
    return shift is not None and shift["psi"] > shift["threshold"]


def statistic_shifts(old: pd.DataFrame, arrived: pd.DataFrame, params: DriftParams):
    """Each statistic's shift from the old images to the arrived ones, over all of
    them and per class; a class is compared when it has at least ``min_class_images``
    on both sides, so that deciles and the chance level mean something."""
    shifts = {}
    for statistic in STATISTICS:
        overall = statistic_shift(old[statistic], arrived[statistic], params)
        by_class = {}
        for name, group in arrived.groupby("label"):
            before = old.loc[old["label"] == name, statistic]
            if (shift := statistic_shift(before, group[statistic], params)) is not None:
                by_class[name] = shift
        drifted_classes = sorted(name for name, shift in by_class.items() if shifted(shift))
        drifted = shifted(overall)
        shifts[statistic] = {
            "overall": overall,
            "by_class": by_class,
            "drifted_classes": drifted_classes,
            "verdict": drift_verdict(drifted or bool(drifted_classes)),
        }
    return shifts


def drift_report(old: pd.DataFrame, new: pd.DataFrame, params: DriftParams) -> dict:
    """Every comparison with its verdict (``ok`` or ``drift``), and the items that
    drifted, in words, for the run summary and the run table."""
    files = file_changes(old, new)
    arrived = arrived_images(old, new)
    classes = class_changes(old, new, params)
    shifts = statistic_shifts(old, arrived, params)
    copies = near_duplicates_of_old(old, new)
    added = len(files["added"])
    copy_share = len(copies) / added if added else 0.0
    drifted = [f"{len(files['relabelled'])} relabelled"] if files["relabelled"] else []
    drifted += [f"class {name} appeared" for name in classes["appeared"]]
    drifted += [f"class {name} vanished" for name in classes["vanished"]]
    drifted += [
        f"{name} share x{classes['counts'][name]['share_ratio']:.2f}"
        for name in classes["share_drifted"]
    ]
    for statistic, shift in shifts.items():
        if shift["verdict"] == "drift":
            psi = f"PSI {shift['overall']['psi']:.2f}; " if shift["overall"] else ""
            where = ", ".join(shift["drifted_classes"]) or "all classes"
            drifted.append(f"{statistic} ({psi}{where})")
    if copy_share > params.max_near_duplicate_share:
        drifted.append(f"{copy_share:.0%} of the added files are copies of old images")
    return {
        "verdict": drift_verdict(bool(drifted)),
        "drifted": drifted,
        "files": {
            key: {"count": len(paths), "examples": paths[:_EXAMPLES]}
            for key, paths in files.items()
        },
        "arrived": len(arrived),
        "near_duplicates_of_old": {
            "count": len(copies),
            "share": round(copy_share, 4),
            "examples": copies[:_EXAMPLES],
        },
        "classes": classes,
        "statistics": shifts,
        "thresholds": params.model_dump(),
    }


def drift_verdict(drifted: bool) -> str:
    """The word every item of the drift report is judged by."""
    return "drift" if drifted else "ok"
