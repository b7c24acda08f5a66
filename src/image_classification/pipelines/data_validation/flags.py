"""Quality flags over the whole image index: one finding per file and check.

A finding is a row of ``FINDING_COLUMNS``. Files that failed a hard check are already
quarantined by ``core.inspection.inspect_file``; the flags here are annotations unless
their ``action`` in the parameters says ``quarantine``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from image_classification.core.inspection import OK, QUARANTINED
from image_classification.core.params.data_validation import QualityFlags

FINDING_COLUMNS = [
    "relative_path",
    "label",
    "check",
    "score",
    "threshold",
    "action",
    "detail",
]


def _rows(
    images: pd.DataFrame,
    check: str,
    *,
    action,
    detail,
    score=None,
    threshold=np.nan,
) -> pd.DataFrame:
    """Findings of one check; a check without a measure has no score or threshold."""
    if score is None:
        score = np.full(len(images), np.nan)
    return pd.DataFrame(
        {
            "relative_path": images["relative_path"].to_numpy(),
            "label": images["label"].to_numpy(),
            "check": check,
            "score": np.asarray(score, dtype=float),
            "threshold": float(threshold),
            "action": action,
            "detail": detail,
        }
    )


def hard_failures(index: pd.DataFrame) -> pd.DataFrame:
    """The files quarantined while reading and decoding, as findings."""
    failed = index[index["status"] == QUARANTINED]
    return pd.DataFrame(
        {
            "relative_path": failed["relative_path"].to_numpy(),
            "label": failed["label"].to_numpy(),
            "check": failed["reason"].to_numpy(),
            "score": np.nan,
            "threshold": np.nan,
            "action": "quarantine",
            "detail": failed["detail"].to_numpy(),
        },
        columns=FINDING_COLUMNS,
    )


def _relative_spread(values: pd.Series) -> pd.Series:
    """How many times above or below the median each value is (1 = typical)."""
    ratio = values / values.median()
    return np.maximum(ratio, 1 / ratio)


def content_findings(index: pd.DataFrame, flags: QualityFlags) -> pd.DataFrame:
    """Dark, light, low-information, blurry, odd-size, odd-aspect and multi-frame files.

    Size and aspect ratio are judged against the dataset's own median, so a folder of
    32x32 icons and a folder of phone photos both get sensible flags.
    """
    decoded = index[index["status"] == OK]
    if decoded.empty:
        return pd.DataFrame(columns=FINDING_COLUMNS)
    area = decoded["width"].astype(float) * decoded["height"].astype(float)
    aspect = decoded["width"].astype(float) / decoded["height"].astype(float)
    size_spread = _relative_spread(area)
    aspect_spread = _relative_spread(aspect)
    checks = [
        ("dark", decoded["brightness_high"], lambda s, t: s < t, "brightest pixels"),
        ("light", decoded["brightness_low"], lambda s, t: s > t, "darkest pixels"),
        ("low_information", decoded["entropy"], lambda s, t: s < t, "bits of entropy"),
        ("blurry", decoded["sharpness"], lambda s, t: s < t, "Laplacian variance"),
        ("odd_size", size_spread, lambda s, t: s > t, "times the median area"),
        ("odd_aspect_ratio", aspect_spread, lambda s, t: s > t, "times the median aspect"),
    ]
    found = []
    for check, score, fires, unit in checks:
        flag = getattr(flags, check)
        hit = fires(score, flag.threshold)
        details = [f"{value:.4g} {unit}" for value in score[hit]]
        found.append(
            _rows(
                decoded[hit],
                check,
                score=score[hit],
                threshold=flag.threshold,
                action=flag.action,
                detail=details,
            )
        )
    frames = decoded["frames"].astype(float)
    multi = frames > 1
    found.append(
        _rows(
            decoded[multi],
            "multi_frame",
            score=frames[multi],
            threshold=1,
            action=flags.multi_frame.action,
            detail=[f"{int(n)} frames: only the first is used" for n in frames[multi]],
        )
    )
    found.extend(_decode_note_findings(decoded, flags))
    return pd.concat(found, ignore_index=True)


# What the decoder did to reach RGB (``core.decoding.DecodedImage.notes``), in words.
_DECODE_NOTES = {
    "exif_rotated": "turned upright as its EXIF orientation says",
    "high_bit_depth": "16 bits per channel, scaled to 8",
    "transparent": "transparent pixels composited on white",
}


def _decode_note_findings(decoded: pd.DataFrame, flags: QualityFlags) -> list:
    noted = decoded["decode_notes"].fillna("").str.split(";")
    found = []
    for note, detail in _DECODE_NOTES.items():
        hit = noted.map(lambda names, note=note: note in names)
        found.append(
            _rows(
                decoded[hit],
                note,
                score=np.ones(int(hit.sum())),
                threshold=1,
                action=getattr(flags, note).action,
                detail=detail,
            )
        )
    return found


def _scores(pair) -> str:
    """The same-photo scores of a pair, in words."""
    words = f"edges correlate {pair.edge_score:.2f} once aligned"
    if pd.notna(pair.detail_score):
        words += f", fine detail {pair.detail_score:.2f}"
    return words


def duplicate_findings(
    index: pd.DataFrame, pairs: pd.DataFrame, flags: QualityFlags
) -> pd.DataFrame:
    """Near duplicates, and near-duplicate groups whose labels disagree.

    Args:
        index: Image index with ``duplicate_group``.
        pairs: ``first``, ``second`` (relative paths), ``distance`` and the
            same-photo scores of each pair.
        flags: Thresholds and actions.
    """
    label_of = index.set_index("relative_path")["label"]
    near = flags.near_duplicate
    sides = pd.concat(
        [
            pairs.rename(columns={"first": "relative_path", "second": "other"}),
            pairs.rename(columns={"second": "relative_path", "first": "other"}),
        ]
    )
    closest = sides.sort_values(["relative_path", "distance"]).drop_duplicates(
        "relative_path"
    )
    closest = closest.assign(label=closest["relative_path"].map(label_of))
    found = [
        _rows(
            closest,
            "near_duplicate",
            score=closest["distance"],
            threshold=near.max_thumbnail_distance,
            action=near.action,
            detail=[
                f"the same photo as {other} ({label_of[other]}): {_scores(pair)}"
                for other, pair in zip(closest["other"], closest.itertuples(), strict=True)
            ],
        )
    ]
    grouped = index[index["duplicate_group"].notna()]
    label_counts = grouped.groupby("duplicate_group")["label"].transform("nunique")
    conflicted = grouped[label_counts > 1]
    if not conflicted.empty:
        members = conflicted.groupby("duplicate_group")["relative_path"].agg(list)
        labels = conflicted.groupby("duplicate_group")["label"].agg(
            lambda s: sorted(set(s))
        )
        found.append(
            _rows(
                conflicted,
                "near_duplicate_label_conflict",
                score=conflicted["duplicate_group"].map(labels.map(len)),
                threshold=1,
                action=flags.near_duplicate_label_conflict.action,
                detail=[
                    f"labels {labels[g]} among {len(members[g])} near-identical images"
                    for g in conflicted["duplicate_group"]
                ],
            )
        )
    return pd.concat(found, ignore_index=True)


def labels_file_findings(
    index: pd.DataFrame, image_labels: pd.DataFrame, flags: QualityFlags
) -> pd.DataFrame:
    """Files the labels file lists but the folder lacks, files it omits, files whose
    folder disagrees with it, and files it lists more than once with different labels
    (no label of theirs can be trusted). Nothing when no labels file is configured."""
    if image_labels.empty:
        return pd.DataFrame(columns=FINDING_COLUMNS)
    labels_of = image_labels.groupby("file")["label"].agg(
        lambda labels: sorted(set(labels))
    )
    conflicting = labels_of[labels_of.map(len) > 1]
    listed = image_labels.drop_duplicates("file").set_index("file")["label"]
    listed = listed[~listed.index.isin(conflicting.index)]
    on_disk = index[index["label"] != ""].set_index("relative_path")
    action = flags.labels_file_disagreement.action
    conflicting_rows = pd.DataFrame(
        {"relative_path": conflicting.index, "label": [", ".join(v) for v in conflicting]}
    )
    missing = listed[~listed.index.isin(on_disk.index)]
    decoded = on_disk[on_disk["status"] == OK]
    unlisted = decoded[~decoded.index.isin(listed.index)]
    both = decoded[decoded.index.isin(listed.index)]
    mismatch = both[both["label"] != listed.reindex(both.index)]
    found = [
        _rows(
            missing.rename_axis("relative_path").reset_index(),
            "missing_file",
            action="annotate",
            detail="listed in the labels file, not in the image folder",
        ),
        _rows(
            unlisted.reset_index(),
            "unlisted_file",
            action=action,
            detail="in the image folder, not in the labels file",
        ),
        _rows(
            conflicting_rows,
            "conflicting_labels",
            action=action,
            detail=[
                f"the labels file lists it {int((image_labels['file'] == file).sum())} "
                f"times, with labels {', '.join(labels)}"
                for file, labels in conflicting.items()
            ],
        ),
        _rows(
            mismatch.reset_index(),
            "label_mismatch",
            action=action,
            detail=[f"labels file says {listed[p]}" for p in mismatch.index],
        ),
    ]
    return pd.concat(found, ignore_index=True)


def apply_actions(index: pd.DataFrame, findings: pd.DataFrame) -> pd.DataFrame:
    """Quarantine the still-ok files that a flag with action quarantine found."""
    to_quarantine = findings[findings["action"] == "quarantine"].drop_duplicates(
        "relative_path"
    )
    by_path = to_quarantine.set_index("relative_path")
    hit = (index["status"] == OK) & index["relative_path"].isin(by_path.index)
    index = index.copy()
    index.loc[hit, "status"] = QUARANTINED
    index.loc[hit, "reason"] = index.loc[hit, "relative_path"].map(by_path["check"])
    index.loc[hit, "detail"] = index.loc[hit, "relative_path"].map(by_path["detail"])
    return index
