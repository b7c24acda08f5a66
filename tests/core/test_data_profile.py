"""Drift between two profiles: each kind is named, and fresh images of the same kind
are not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from image_classification.core.data_profile import (
    PROFILE_COLUMNS,
    data_profile,
    drift_report,
    stability_index,
    statistic_shift,
)
from image_classification.core.params.retraining import DriftParams

PARAMS = DriftParams(
    max_stability_index=0.25,
    min_class_images=30,
    max_class_share_ratio=1.25,
    max_near_duplicate_share=0.1,
)
CLASSES = ("cat", "dog", "fox")


def _profile(seed: int, per_class: int = 200, prefix: str = "a") -> pd.DataFrame:
    """Files of three classes with statistics drawn from fixed distributions."""
    rng = np.random.default_rng(seed)
    count = per_class * len(CLASSES)
    return pd.DataFrame(
        {
            "relative_path": [f"{CLASSES[i % 3]}/{prefix}{i}.png" for i in range(count)],
            "label": [CLASSES[i % 3] for i in range(count)],
            "split": rng.choice(["train", "validation", "test"], count),
            "duplicate_group": [f"{prefix}{i}" for i in range(count)],
            "content_hash": [f"{prefix}-{seed}-{i}" for i in range(count)],
            "width": np.full(count, 32),
            "height": np.full(count, 32),
            "brightness_low": rng.normal(20, 5, count),
            "brightness_high": rng.normal(220, 10, count),
            "entropy": rng.normal(7, 0.3, count),
            "sharpness": rng.lognormal(5, 0.5, count),
            "colourfulness": rng.normal(0.3, 0.05, count),
            "warmth": rng.normal(0.02, 0.03, count),
        }
    )[PROFILE_COLUMNS]


def test_the_profile_keeps_each_split_file_with_its_statistics():
    old = _profile(0)
    index = old.drop(columns=["label", "split", "duplicate_group"]).assign(extra=1)
    manifest = old[["relative_path", "label", "split", "duplicate_group"]].iloc[::-1]
    expected = old.sort_values("relative_path", ignore_index=True)
    pd.testing.assert_frame_equal(data_profile(index, manifest), expected)


def test_stability_index_is_zero_for_the_same_data_and_grows_with_the_shift():
    values = np.random.default_rng(1).normal(0, 1, 5000)
    assert stability_index(values, values) == pytest.approx(0)
    shifts = [stability_index(values, values + shift) for shift in (0.1, 0.5, 1.0)]
    assert shifts == sorted(shifts)
    assert shifts[0] < PARAMS.max_stability_index < shifts[2]


def test_fresh_images_of_the_same_kind_are_no_drift():
    old, new = _profile(0), pd.concat([_profile(0), _profile(1, prefix="b")])
    report = drift_report(old, new, PARAMS)
    assert report["verdict"] == "ok", report["drifted"]
    assert report["files"]["added"]["count"] == 600
    assert report["files"]["relabelled"]["count"] == 0


def test_darker_new_images_are_named_by_the_statistic():
    new = _profile(1, prefix="b")
    new["brightness_high"] *= 0.7
    new["brightness_low"] *= 0.7
    report = drift_report(_profile(0), new, PARAMS)
    assert report["verdict"] == "drift"
    assert report["statistics"]["brightness_high"]["verdict"] == "drift"
    assert report["statistics"]["brightness_high"]["drifted_classes"] == list(CLASSES)
    assert report["statistics"]["entropy"]["verdict"] == "ok"


def test_blurry_small_images_of_one_class_name_that_class():
    new = _profile(1, prefix="b")
    foxes = new["label"] == "fox"
    new.loc[foxes, "sharpness"] /= 10
    report = drift_report(_profile(0), new, PARAMS)
    assert report["statistics"]["sharpness"]["drifted_classes"] == ["fox"]


def test_relabelled_files_and_classes_that_come_and_go_are_named():
    old = _profile(0)
    new = old.copy()
    swapped = new["label"] == "dog"
    new.loc[swapped, "label"] = "wolf"
    report = drift_report(old, new, PARAMS)
    assert report["files"]["relabelled"]["count"] == 200
    assert report["classes"]["appeared"] == ["wolf"]
    assert report["classes"]["vanished"] == ["dog"]
    assert "200 relabelled" in report["drifted"]


def test_a_changed_class_mix_is_named():
    old = _profile(0)
    new = pd.concat([old, _profile(1, prefix="b").query("label == 'cat'")])
    report = drift_report(old, new, PARAMS)
    counts = report["classes"]["counts"]
    assert counts["cat"]["share_ratio"] == pytest.approx(1.5)
    assert counts["dog"]["share_ratio"] == pytest.approx(0.75)
    assert report["classes"]["share_drifted"] == ["cat", "dog", "fox"]
    assert "cat share x1.50" in report["drifted"]
    assert report["statistics"]["brightness_high"]["verdict"] == "ok"


def test_new_copies_of_old_images_are_counted():
    old = _profile(0)
    copies = old.head(5).assign(
        relative_path=lambda frame: frame["relative_path"] + "_copy"
    )
    report = drift_report(old, pd.concat([old, copies]), PARAMS)
    assert report["near_duplicates_of_old"]["count"] == 5


def test_the_chance_level_holds_false_alarms_near_one_in_a_hundred():
    """A few new images of the same kind often pass PSI 0.25 by chance alone; the
    chance level of their count keeps those from being called drift."""
    rng = np.random.default_rng(7)
    old = rng.normal(0, 1, 2000)
    shifts = [statistic_shift(old, rng.normal(0, 1, 40), PARAMS) for _ in range(400)]
    assert np.mean([s["psi"] > PARAMS.max_stability_index for s in shifts]) > 0.2
    assert np.mean([s["psi"] > s["threshold"] for s in shifts]) < 0.03
    moved = statistic_shift(old, rng.normal(1, 1, 40), PARAMS)
    assert moved["psi"] > moved["threshold"]


def test_a_small_batch_of_the_same_kind_is_no_drift():
    new = pd.concat([_profile(0), _profile(1, per_class=14, prefix="b")])
    report = drift_report(_profile(0), new, PARAMS)
    assert report["arrived"] == 42
    assert report["verdict"] == "ok", report["drifted"]
    assert report["statistics"]["entropy"]["by_class"] == {}  # 14 a class: too few


def test_files_changed_in_place_arrive_and_moved_files_are_not_copies():
    old = _profile(0)
    new = old.copy()
    new.loc[0, "content_hash"] = "edited"
    new.loc[1, "relative_path"] = "moved/" + new.loc[1, "relative_path"]
    report = drift_report(old, new, PARAMS)
    assert report["files"]["changed"]["examples"] == [old.loc[0, "relative_path"]]
    assert report["files"]["added"]["examples"] == [new.loc[1, "relative_path"]]
    assert report["arrived"] == 1
    assert report["near_duplicates_of_old"]["count"] == 0
