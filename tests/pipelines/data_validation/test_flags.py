"""Quality flags: each one fires on a file that has the problem and not on one that
has not, and its action decides between annotation and quarantine."""

from __future__ import annotations

import io
import shutil

import numpy as np
import pandas as pd
import pytest
from PIL import Image, ImageFilter

from image_classification.core.errors import InputError
from image_classification.datasets import ImageFolderDataset
from image_classification.pipelines.data_validation.nodes import (
    resolve_class_names,
    summarize_validation,
)
from image_classification.pipelines.data_validation.plots import plot_flag_examples
from tests.conftest import ordinary_image, run_validation, validation_params


def _save(path, image: Image.Image, **options) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, **options)


def _noise(rng, size=(32, 32), low=0, high=256) -> Image.Image:
    return Image.fromarray(rng.integers(low, high, (*size[::-1], 3), dtype=np.uint8))


def _folder(tmp_path):
    """Two classes of ordinary images plus one file per quality problem."""
    rng = np.random.default_rng(0)
    root = tmp_path / "images"
    for label in ("cats", "dogs"):
        for index in range(12):
            _save(root / label / f"{index:02d}.png", ordinary_image(rng))
    problems = {
        "cats/dark.png": _noise(rng, high=40),
        "cats/light.png": _noise(rng, low=235),
        "cats/blank.png": Image.new("RGB", (32, 32), (90, 90, 90)),
        "dogs/blurry.png": ordinary_image(rng).filter(ImageFilter.GaussianBlur(3)),
        "dogs/huge.png": ordinary_image(rng).resize((128, 128)),
        "dogs/wide.png": ordinary_image(rng).resize((96, 24)),
    }
    for name, image in problems.items():
        _save(root / name, image)
    frames = [ordinary_image(rng) for _ in range(2)]
    _save(root / "cats" / "anim.gif", frames[0], save_all=True, append_images=frames[1:])
    buffer = io.BytesIO()
    Image.open(root / "cats" / "03.png").save(buffer, format="JPEG", quality=80)
    (root / "dogs" / "copy_of_cat.jpg").write_bytes(buffer.getvalue())
    shutil.copy(root / "dogs" / "05.png", root / "dogs" / "same.png")
    return root


EXPECTED = {
    "cats/dark.png": "dark",
    "cats/light.png": "light",
    "cats/blank.png": "low_information",
    "dogs/blurry.png": "blurry",
    "dogs/huge.png": "odd_size",
    "dogs/wide.png": "odd_aspect_ratio",
    "cats/anim.gif": "multi_frame",
}


def _params(**flag_overrides):
    flags = validation_params().flags.model_dump()
    for name, values in flag_overrides.items():
        flags[name] = flags[name] | values
    return validation_params(classes=["cats", "dogs"], flags=flags)


def test_each_flag_fires_on_its_problem_file_only(tmp_path):
    index, findings = run_validation(
        tmp_path and _folder(tmp_path), _params(), ("cats", "dogs")
    )
    content = findings[findings["check"].isin(set(EXPECTED.values()))]
    fired = content.groupby("check")["relative_path"].agg(set).to_dict()
    for path, check in EXPECTED.items():
        assert path in fired.get(check, set()), (path, check, fired)
    ordinary = index[index["relative_path"].str.fullmatch(r"(cats|dogs)/\d\d\.png")]
    flagged = set(content["relative_path"])
    assert not flagged & set(ordinary["relative_path"])
    assert (
        findings.loc[findings["check"].isin(EXPECTED.values()), "action"] == "annotate"
    ).all()
    assert (index.set_index("relative_path").loc[list(EXPECTED), "status"] == "ok").all()


def test_findings_carry_score_threshold_and_action(tmp_path):
    _, findings = run_validation(_folder(tmp_path), _params(), ("cats", "dogs"))
    dark = findings[(findings["check"] == "dark")].iloc[0]
    assert dark["score"] < dark["threshold"] == _params().flags.dark.threshold
    assert list(findings.columns) == [
        "relative_path",
        "label",
        "check",
        "score",
        "threshold",
        "action",
        "detail",
    ]


def test_near_duplicates_across_labels_are_a_label_conflict_and_share_a_group(tmp_path):
    index, findings = run_validation(_folder(tmp_path), _params(), ("cats", "dogs"))
    near = findings[findings["check"] == "near_duplicate"].set_index("relative_path")
    assert {"cats/03.png", "dogs/copy_of_cat.jpg"} <= set(near.index)
    assert "cats/03.png" in near.loc["dogs/copy_of_cat.jpg", "detail"]
    conflict = findings[findings["check"] == "near_duplicate_label_conflict"]
    assert set(conflict["relative_path"]) == {"cats/03.png", "dogs/copy_of_cat.jpg"}
    groups = index.set_index("relative_path")["duplicate_group"]
    assert groups["cats/03.png"] == groups["dogs/copy_of_cat.jpg"]
    assert groups["dogs/05.png"] == groups["dogs/same.png"]
    assert groups["dogs/05.png"] != groups["dogs/06.png"]


def test_action_quarantine_takes_flagged_files_out(tmp_path):
    params = _params(
        dark={"action": "quarantine"},
        near_duplicate_label_conflict={"action": "quarantine"},
    )
    index, findings = run_validation(_folder(tmp_path), params, ("cats", "dogs"))
    by_path = index.set_index("relative_path")
    assert by_path.loc["cats/dark.png", ["status", "reason"]].tolist() == [
        "quarantined",
        "dark",
    ]
    assert by_path.loc["dogs/copy_of_cat.jpg", "status"] == "quarantined"
    assert by_path.loc["cats/light.png", "status"] == "ok"
    quarantine, report, _ = summarize_validation(index, findings, ["cats", "dogs"], params)
    assert report["findings_by_check"]["dark"] == {"files": 1, "action": "quarantine"}
    assert report["thresholds"]["dark"]["threshold"] == params.flags.dark.threshold
    assert "cats/dark.png" in set(quarantine["relative_path"])


def test_flag_examples_show_a_row_per_flag(tmp_path):
    index, findings = run_validation(_folder(tmp_path), _params(), ("cats", "dogs"))
    figure = plot_flag_examples(findings, index, _params())
    rows = {ax.get_ylabel().split(" (")[0] for ax in figure.axes if ax.get_ylabel()}
    assert set(EXPECTED.values()) | {"near_duplicate"} <= rows
    empty = plot_flag_examples(findings.iloc[0:0], index, _params())
    assert [ax.get_ylabel() for ax in empty.axes if ax.get_ylabel()] == ["no flags"]


def test_no_raw_file_changes(tmp_path):
    root = _folder(tmp_path)
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    run_validation(root, _params(dark={"action": "quarantine"}), ("cats", "dogs"))
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before


def test_labels_file_disagreements_are_reported(tmp_path):
    root = _folder(tmp_path)
    labels = pd.DataFrame(
        {
            "file": ["cats/00.png", "cats/01.png", "dogs/00.png", "cats/gone.png"],
            "label": ["cats", "dogs", "dogs", "cats"],
        }
    )
    index, findings = run_validation(root, _params(), ("cats", "dogs"), labels=labels)
    by_check = findings.groupby("check")["relative_path"].agg(set)
    assert by_check["missing_file"] == {"cats/gone.png"}
    assert by_check["label_mismatch"] == {"cats/01.png"}
    assert "cats/02.png" in by_check["unlisted_file"]
    assert not {"cats/00.png", "dogs/00.png"} & by_check["unlisted_file"]
    mismatch = findings[findings["check"] == "label_mismatch"].iloc[0]
    assert mismatch["detail"] == "labels file says dogs"
    assert (index["status"] == "ok").sum() > 20  # annotations by default


def test_a_file_listed_twice_with_different_labels_is_a_finding(tmp_path):
    root = _folder(tmp_path)
    labels = pd.DataFrame(
        {
            "file": ["cats/00.png", "cats/00.png", "cats/01.png", "cats/01.png"],
            "label": ["cats", "dogs", "cats", "cats"],
        }
    )
    params = _params(labels_file_disagreement={"action": "quarantine"})
    index, findings = run_validation(root, params, ("cats", "dogs"), labels=labels)
    conflicting = findings[findings["check"] == "conflicting_labels"]
    assert list(conflicting["relative_path"]) == ["cats/00.png"]
    assert conflicting.iloc[0]["detail"] == (
        "the labels file lists it 2 times, with labels cats, dogs"
    )
    status = index.set_index("relative_path")["status"]
    assert (status["cats/00.png"], status["cats/01.png"]) == ("quarantined", "ok")


def test_labels_file_with_unknown_class_is_an_error(tmp_path):
    root = _folder(tmp_path)
    listing = ImageFolderDataset(path=str(root)).load()
    labels = pd.DataFrame({"file": ["cats/00.png"], "label": ["zebra"]})
    with pytest.raises(InputError, match=r"labels file names class\(es\) \['zebra'\]"):
        resolve_class_names(listing, labels, _params())
