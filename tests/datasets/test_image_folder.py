"""ImageFolderDataset lists every file, hidden ones too, and refuses to write."""

from __future__ import annotations

import pandas as pd
import pytest
from kedro.io import DatasetError

from image_classification.datasets import ImageFolderDataset


def test_lists_every_file_sorted_with_its_class_folder(tmp_path):
    for name in (
        "dogs/b.jpg",
        "cats/a.jpg",
        "cats/.DS_Store",
        "cats/sub/c.png",
        "loose.jpg",
    ):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    listing = ImageFolderDataset(path=str(tmp_path)).load()
    assert list(listing["relative_path"]) == [
        "cats/.DS_Store",
        "cats/a.jpg",
        "cats/sub/c.png",
        "dogs/b.jpg",
        "loose.jpg",
    ]
    assert list(listing["label"]) == ["cats", "cats", "cats", "dogs", ""]
    assert listing["path"].iloc[1] == str(tmp_path / "cats" / "a.jpg")


def test_a_top_level_folder_without_files_is_listed_as_such(tmp_path):
    (tmp_path / "cats").mkdir()
    (tmp_path / "cats" / "a.jpg").write_bytes(b"x")
    (tmp_path / "dogs" / "puppies").mkdir(parents=True)  # folders, no file
    listing = ImageFolderDataset(path=str(tmp_path)).load()
    assert list(listing["relative_path"]) == ["cats/a.jpg", "dogs/"]
    assert list(listing["label"]) == ["cats", "dogs"]


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(DatasetError, match=r"does not exist.*raw_image_dir"):
        ImageFolderDataset(path=str(tmp_path / "nope")).load()


def test_saving_is_refused(tmp_path):
    with pytest.raises(DatasetError, match="never written"):
        ImageFolderDataset(path=str(tmp_path)).save(pd.DataFrame({"a": [1]}))


def test_preview_is_a_table_of_the_first_files(tmp_path):
    for index in range(5):
        (tmp_path / "cats").mkdir(exist_ok=True)
        (tmp_path / "cats" / f"{index}.jpg").write_bytes(b"x")
    preview = ImageFolderDataset(path=str(tmp_path)).preview(nrows=3)
    assert preview["columns"] == ["relative_path", "path", "label", "outside_root"]
    assert [row[0] for row in preview["data"]] == ["cats/0.jpg", "cats/1.jpg", "cats/2.jpg"]


def test_links_that_leave_the_folder_are_marked(tmp_path):
    outside = tmp_path / "elsewhere.jpg"
    outside.write_bytes(b"x")
    root = tmp_path / "images"
    (root / "cats").mkdir(parents=True)
    (root / "cats" / "real.jpg").write_bytes(b"x")
    (root / "cats" / "inside_link.jpg").symlink_to(root / "cats" / "real.jpg")
    (root / "cats" / "outside_link.jpg").symlink_to(outside)
    listing = ImageFolderDataset(path=str(root)).load().set_index("relative_path")
    assert listing["outside_root"].to_dict() == {
        "cats/inside_link.jpg": False,
        "cats/outside_link.jpg": True,
        "cats/real.jpg": False,
    }
