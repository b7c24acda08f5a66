"""ImageFolderDataset lists every file, hidden ones too, and refuses to write."""

from __future__ import annotations

import os
import re
import unicodedata

import pandas as pd
import pytest
from kedro.io import DatasetError

from image_classification.core.errors import input_error_in
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
    with pytest.raises(DatasetError) as raised:  # Kedro wraps what a load raises
        ImageFolderDataset(path=str(tmp_path / "nope")).load()
    cause = input_error_in(raised.value)
    assert cause is not None
    assert re.search(r"does not exist.*raw_image_dir", str(cause))


def test_saving_is_refused(tmp_path):
    with pytest.raises(DatasetError, match="never written"):
        ImageFolderDataset(path=str(tmp_path)).save(pd.DataFrame({"a": [1]}))


def test_preview_is_a_table_of_the_first_files(tmp_path):
    for index in range(5):
        (tmp_path / "cats").mkdir(exist_ok=True)
        (tmp_path / "cats" / f"{index}.jpg").write_bytes(b"x")
    preview = ImageFolderDataset(path=str(tmp_path)).preview(nrows=3)
    assert preview["columns"] == [
        "relative_path",
        "path",
        "label",
        "outside_root",
        "invalid_name",
    ]
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


def test_linked_class_folders_are_followed_and_marked_when_they_leave(tmp_path):
    elsewhere = tmp_path / "elsewhere" / "dogs"
    elsewhere.mkdir(parents=True)
    (elsewhere / "a.jpg").write_bytes(b"x")
    root = tmp_path / "images"
    (root / "cats").mkdir(parents=True)
    (root / "cats" / "a.jpg").write_bytes(b"x")
    (root / "cats" / "loop").symlink_to(root)  # a cycle: listed once, no hang
    (root / "dogs").symlink_to(elsewhere)
    listing = ImageFolderDataset(path=str(root)).load().set_index("relative_path")
    assert listing["outside_root"].to_dict() == {"cats/a.jpg": False, "dogs/a.jpg": True}
    assert listing.loc["dogs/a.jpg", "label"] == "dogs"
    allowed = ImageFolderDataset(path=str(root), allowed_link_targets=[str(elsewhere)])
    assert not allowed.load()["outside_root"].any()


def test_names_are_nfc_and_names_not_in_utf8_are_escaped(tmp_path):
    root = os.fsencode(tmp_path)
    for folder, name in ((b"cats", b"caf\xe9.jpg"), (b"d\xf6gs", b"a.jpg")):
        os.makedirs(os.path.join(root, folder), exist_ok=True)
        with open(os.path.join(root, folder, name), "wb") as file:
            file.write(b"x")
    decomposed = tmp_path / unicodedata.normalize("NFD", "caf\u00e9s")
    decomposed.mkdir()
    (decomposed / "b.jpg").write_bytes(b"x")
    listing = ImageFolderDataset(path=str(tmp_path)).load().set_index("relative_path")
    assert listing["invalid_name"].to_dict() == {
        "caf\u00e9s/b.jpg": False,
        "cats/caf\\xe9.jpg": True,
        "d\\xf6gs/a.jpg": True,
    }
    assert listing.loc["caf\u00e9s/b.jpg", "label"] == "caf\u00e9s"  # NFC
    listing.reset_index().to_parquet(tmp_path / "listing.parquet")  # storable as is
