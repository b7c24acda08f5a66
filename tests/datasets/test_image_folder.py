"""ImageFolderDataset lists every file, hidden ones too, and refuses to write."""

from __future__ import annotations

import os
import re
import unicodedata

import fsspec.config
import pandas as pd
import pytest
from kedro.io import DatasetError

from image_classification.core.errors import InputError, input_error_in
from image_classification.datasets import ImageFolderDataset
from image_classification.pipelines.data_validation.nodes import inspect_images
from tests.conftest import TINY_CLASSES, fixed_size, validation_params


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
    # The link inside is the same file as real.jpg: listed once, from its real path.
    assert listing["outside_root"].to_dict() == {
        "cats/outside_link.jpg": True,
        "cats/real.jpg": False,
    }


@pytest.mark.parametrize("link_name", ["0_link", "z_link"])
def test_a_link_to_a_class_folder_never_takes_its_images(tmp_path, link_name, caplog):
    cafe = tmp_path / "caf\u00e9"
    cafe.mkdir()
    for index in range(30):
        (cafe / f"{index:02d}.jpg").write_bytes(b"x")
    (tmp_path / "dogs").mkdir()
    (tmp_path / "dogs" / "a.jpg").write_bytes(b"x")
    (tmp_path / "dogs" / "twin.jpg").symlink_to(cafe / "00.jpg")
    (tmp_path / link_name).symlink_to(cafe)
    listing = ImageFolderDataset(path=str(tmp_path)).load()
    assert listing["label"].value_counts().to_dict() == {"caf\u00e9": 30, "dogs": 1}
    assert not listing["relative_path"].str.endswith("/").any()  # no empty folder
    assert f"{link_name} is a link to caf\u00e9" in caplog.text


def test_two_links_to_one_folder_outside_are_refused(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "a.jpg").write_bytes(b"x")
    root = tmp_path / "images"
    root.mkdir()
    (root / "cats").symlink_to(elsewhere)
    (root / "kittens").symlink_to(elsewhere)
    with pytest.raises(DatasetError) as raised:
        ImageFolderDataset(path=str(root), allowed_link_targets=[str(elsewhere)]).load()
    assert re.search(r"cats and kittens both lead to .*one class only", str(raised.value))


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


def test_a_bucket_lists_and_validates_as_the_same_folder_on_disk(
    bucket, object_storage, tiny_folder
):
    object_storage.upload(tiny_folder[0], f"{bucket}/images")
    local = ImageFolderDataset(path=str(tiny_folder[0])).load()
    remote = ImageFolderDataset(path=f"{bucket}/images").load()
    columns = ["relative_path", "label", "outside_root", "invalid_name"]
    pd.testing.assert_frame_equal(local[columns], remote[columns])
    assert remote["path"].str.startswith(f"{bucket}/images/").all()
    params = validation_params()
    here, _ = inspect_images(local, list(TINY_CLASSES), params, fixed_size(32, 32))
    there, _ = inspect_images(remote, list(TINY_CLASSES), params, fixed_size(32, 32))
    pd.testing.assert_frame_equal(here.drop(columns="path"), there.drop(columns="path"))


def _input_error(url: str) -> str:
    with pytest.raises(DatasetError) as raised:  # Kedro wraps what a load raises
        ImageFolderDataset(path=url).load()
    cause = input_error_in(raised.value)
    assert isinstance(cause, InputError)
    assert "\n" not in str(cause)
    return str(cause)


@pytest.mark.parametrize("url", ["s3://no-such-bucket-here/images", "{bucket}/nothing"])
def test_a_missing_bucket_or_folder_is_one_clear_error(bucket, url):
    message = _input_error(url.format(bucket=bucket))
    assert "does not exist or holds no objects: set `raw_image_dir`" in message


def test_wrong_credentials_are_one_clear_error(bucket, monkeypatch):
    wrong = fsspec.config.conf["s3"] | {"key": "AKIAWRONGWRONGWRONG1", "secret": "nope"}
    monkeypatch.setitem(fsspec.config.conf, "s3", wrong)
    message = _input_error(f"{bucket}/images")
    assert f"object storage refused {bucket}/images" in message
    assert "check the credentials" in message
