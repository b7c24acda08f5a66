"""Nodes of data_validation on a generated folder with every planted fault."""

from __future__ import annotations

import os
import shutil
from concurrent.futures import Future

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from PIL import Image

from image_classification.core import inspection_engines as engines
from image_classification.core.errors import InputError
from image_classification.datasets import ImageFolderDataset
from image_classification.pipelines.data_validation.nodes import (
    inspect_images,
    resolve_class_names,
    select_clean_images,
    summarize_validation,
)
from image_classification.pipelines.data_validation.plots import plot_class_samples
from tests.conftest import (
    NO_LABELS,
    TINY_CLASSES,
    fixed_size,
    ordinary_image,
    run_validation,
)
from tests.conftest import validation_params as _params


@pytest.fixture(scope="module")
def validated(tiny_folder):
    root, faults = tiny_folder
    listing = ImageFolderDataset(path=str(root)).load()
    classes = resolve_class_names(listing, NO_LABELS, _params())
    index, findings = run_validation(root, _params())
    return listing, classes, index, faults, findings


def test_every_planted_fault_gets_its_reason(validated):
    _, _, index, faults, _ = validated
    by_path = index.set_index("relative_path")
    for fault in faults:
        row = by_path.loc[fault.path]
        if fault.expected_reason is None:
            assert row["status"] == "ok", fault
        else:
            assert (row["status"], row["reason"]) == ("quarantined", fault.expected_reason)


def test_only_planted_faults_are_quarantined(validated):
    _, _, index, faults, _ = validated
    expected = {fault.path for fault in faults if fault.expected_reason}
    assert set(index.loc[index["status"] == "quarantined", "relative_path"]) == expected


def test_grayscale_and_rgba_are_kept_and_recorded_as_converted(validated):
    _, _, index, _, _ = validated
    converted = index[index["converted_to_rgb"]]
    assert set(converted["mode"]) == {"L", "RGBA"}
    assert (converted["status"] == "ok").all()


def test_index_has_one_row_per_file_with_the_documented_columns(validated):
    listing, _, index, _, _ = validated
    assert list(index["relative_path"]) == list(listing["relative_path"])
    for column in ("path", "label", "format", "mode", "width", "height", "content_hash"):
        assert column in index.columns
    assert set(index["status"]) == {"ok", "quarantined"}


def test_duplicates_with_the_same_label_are_kept(tmp_path, tiny_folder):
    root = tmp_path / "images"
    shutil.copytree(tiny_folder[0], root)
    shutil.copy(root / "square" / "0003.jpg", root / "square" / "copy.jpg")
    index, _ = run_validation(root, _params())
    copies = index[index["relative_path"].isin(["square/0003.jpg", "square/copy.jpg"])]
    assert list(copies["status"]) == ["ok", "ok"]
    assert copies["pixel_hash"].nunique() == 1


def test_unknown_class_folder_is_an_error_naming_it(tiny_folder):
    listing = ImageFolderDataset(path=str(tiny_folder[0])).load()
    with pytest.raises(
        InputError, match=r"\['triangle'\] are not in data_validation.classes"
    ):
        resolve_class_names(listing, NO_LABELS, _params(classes=["circle", "square"]))


def test_configured_class_without_files_is_an_error_naming_it(tiny_folder, tmp_path):
    listing = ImageFolderDataset(path=str(tiny_folder[0])).load()
    with pytest.raises(InputError, match=r"no files: \['zebra'\] have no folder"):
        resolve_class_names(listing, NO_LABELS, _params(classes=[*TINY_CLASSES, "zebra"]))
    for name in TINY_CLASSES:
        (tmp_path / name).mkdir()
    (tmp_path / "circle" / "a.png").write_bytes(b"x")
    (tmp_path / "square" / "b.png").write_bytes(b"x")
    listing = ImageFolderDataset(path=str(tmp_path)).load()
    with pytest.raises(
        InputError, match=r"\['triangle'\] are empty folders and \['zebra'\] have no folder"
    ):
        resolve_class_names(listing, NO_LABELS, _params(classes=[*TINY_CLASSES, "zebra"]))


def test_an_empty_class_folder_is_quarantined_with_its_reason(tmp_path):
    """With classes taken from the folders, an empty one is reported, not skipped."""
    rng = np.random.default_rng(0)
    for name in ("circle", "square"):
        for number in range(3):
            (tmp_path / name).mkdir(exist_ok=True)
            ordinary_image(rng).save(tmp_path / name / f"{number}.png")
    (tmp_path / "triangle").mkdir()
    listing = ImageFolderDataset(path=str(tmp_path)).load()
    params = _params(classes=None)
    classes = resolve_class_names(listing, NO_LABELS, params)
    assert classes == ["circle", "square"]
    index, _ = inspect_images(listing, classes, params, fixed_size(32, 32))
    empty = index[index["relative_path"] == "triangle/"]
    assert list(empty["reason"]) == ["empty_class_folder"]
    assert list(empty["status"]) == ["quarantined"]


def test_null_classes_takes_the_folders_and_ignores_hidden_and_invalid_names():
    listing = pd.DataFrame(
        {
            "relative_path": ["b/1.jpg", "a/1.jpg", ".git/x", "loose.jpg", "c\\xff/1.jpg"],
            "path": ["", "", "", "", ""],
            "label": ["b", "a", ".git", "", "c\\xff"],
            "invalid_name": [False, False, False, False, True],
        }
    )
    assert resolve_class_names(listing, NO_LABELS, _params(classes=None)) == ["a", "b"]
    with pytest.raises(InputError, match="at least two"):
        resolve_class_names(
            listing[listing["label"] != "b"], NO_LABELS, _params(classes=None)
        )


def test_report_counts_reasons_classes_and_conversions(validated):
    _, classes, index, faults, findings = validated
    quarantine, report, limits = summarize_validation(index, findings, classes, _params())
    expected_reasons = (
        pd.Series([f.expected_reason for f in faults]).value_counts().to_dict()
    )
    assert report["quarantined_by_reason"] == expected_reasons
    assert report["quarantined"] == len(quarantine) == sum(expected_reasons.values())
    assert report["ok"] + report["quarantined"] == report["files"] == len(index)
    assert sum(c["ok"] for c in report["per_class"].values()) == report["ok"]
    assert report["converted_to_rgb_by_mode"] == {"L": 1, "RGBA": 1}
    assert list(quarantine.columns) == ["relative_path", "label", "reason", "detail"]
    assert report["limits"] == limits
    assert all(limit["holds"] for limit in limits.values())


def test_clean_images_are_the_ok_rows(validated):
    _, classes, index, _, findings = validated
    _, report, limits = summarize_validation(index, findings, classes, _params())
    clean = select_clean_images(index, limits)
    assert len(clean) == report["ok"]
    assert (clean["status"] == "ok").all()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"max_quarantined_fraction": 0.01}, "max_quarantined_fraction is 0.01"),
        (
            {"min_images_per_class": 100},
            r"min_images_per_class is 100, the data gives \d+ \(usable images: '\w+' \d+",
        ),
    ],
)
def test_exceeded_limit_stops_with_a_message_naming_it(validated, overrides, message):
    _, classes, index, _, findings = validated
    _, _, limits = summarize_validation(index, findings, classes, _params(**overrides))
    with pytest.raises(InputError, match=message):
        select_clean_images(index, limits)


def test_sample_grid_has_a_row_per_class(validated):
    _, classes, index, _, _ = validated
    figure = plot_class_samples(index[index["status"] == "ok"], classes, _params(), seed=0)
    assert isinstance(figure, Figure)
    labels = [ax.get_ylabel() for ax in figure.axes if ax.get_ylabel()]
    assert labels == list(classes)


def test_a_folder_with_every_kind_of_fault_runs_to_the_end(tmp_path, tiny_folder):
    root = tmp_path / "images"
    shutil.copytree(tiny_folder[0], root)
    outside = tmp_path / "outside.jpg"
    shutil.copy(root / "circle" / "0005.jpg", outside)
    (root / "circle" / "link.jpg").symlink_to(outside)
    (root / "circle" / ".DS_Store").write_bytes(b"\x00\x01")
    (root / "square" / "notes.txt").write_text("not an image")
    (root / "loose.jpg").write_bytes((root / "square" / "0001.jpg").read_bytes())
    Image.new("RGB", (100, 100), (200, 10, 10)).save(root / "triangle" / "huge.png")
    frames = [Image.new("RGB", (32, 32), (i * 90, 40, 40)) for i in range(2)]
    frames[0].save(root / "square" / "anim.gif", save_all=True, append_images=frames[1:])
    invalid_name = os.path.join(os.fsencode(root / "square"), b"caf\xe9.jpg")
    shutil.copy(root / "square" / "0002.jpg", invalid_name)
    expected = {f.path: f.expected_reason for f in tiny_folder[1] if f.expected_reason}
    expected |= {
        "square/caf\\xe9.jpg": "invalid_file_name",
        "circle/link.jpg": "outside_root",
        "circle/.DS_Store": "hidden_file",
        "square/notes.txt": "unsupported_extension",
        "loose.jpg": "outside_class_folder",
        "triangle/huge.png": "decompression_bomb",
    }
    index, findings = run_validation(root, _params(max_pixels=5_000))
    quarantined = index[index["status"] == "quarantined"].set_index("relative_path")
    assert quarantined["reason"].to_dict() == expected
    assert set(findings.loc[findings["check"] == "multi_frame", "relative_path"]) == {
        "square/anim.gif"
    }


def test_workers_that_overtake_this_process_hand_on_every_chunk(tmp_path, monkeypatch):
    """A slow file at the end of the folder keeps this process busy while the worker
    finishes every other chunk: the meeting point is a chunk the worker finished."""
    root = tmp_path / "images"
    for number in range(24):
        label = TINY_CLASSES[number % 3]
        (root / label).mkdir(parents=True, exist_ok=True)
        ordinary_image(np.random.default_rng(number)).save(root / label / f"{number}.png")
    # The last file, taken first by this process, outlasts the worker's start and
    # all the other files: the worker is done with them when this process looks.
    slow = Image.new("RGB", (8, 8), (90, 120, 30)).resize((7000, 7000))
    slow.save(root / TINY_CLASSES[2] / "zz.png")
    listing = ImageFolderDataset(path=str(root)).load()
    here, _ = inspect_images(listing, TINY_CLASSES, _params(workers=1), fixed_size(32, 32))
    monkeypatch.setattr(engines, "_PROCESS_MIN_FILES", 1)
    spread, _ = inspect_images(
        listing, TINY_CLASSES, _params(workers=2), fixed_size(32, 32)
    )
    pd.testing.assert_frame_equal(here, spread)


@pytest.mark.parametrize("this_process_helps", [True, False])
def test_worker_processes_inspect_as_this_process_does(
    tiny_folder, monkeypatch, this_process_helps
):
    """The large-folder path (files in chunks to spawned processes, this process taking
    chunks from the end) on a small folder; and with every chunk left to the worker."""
    listing = ImageFolderDataset(path=str(tiny_folder[0])).load()
    here, here_pixels = inspect_images(
        listing, TINY_CLASSES, _params(workers=1), fixed_size(32, 32)
    )
    monkeypatch.setattr(engines, "_PROCESS_MIN_FILES", 1)
    if not this_process_helps:
        monkeypatch.setattr(Future, "cancel", lambda future: False)
    spread, spread_pixels = inspect_images(
        listing, TINY_CLASSES, _params(workers=2), fixed_size(32, 32)
    )
    pd.testing.assert_frame_equal(here, spread)
    assert here_pixels.by_path.keys() == spread_pixels.by_path.keys()
    assert not here_pixels.stored and not spread_pixels.stored
    for path, pixels in here_pixels.by_path.items():
        np.testing.assert_array_equal(pixels, spread_pixels.by_path[path])
