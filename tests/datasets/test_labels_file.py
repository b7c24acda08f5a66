"""The optional labels file: empty when not configured, clear errors when broken."""

from __future__ import annotations

import unicodedata

import fsspec
import pandas as pd
import pytest
from kedro.io import DatasetError

from image_classification.datasets import LabelsFileDataset


@pytest.mark.parametrize("configured", [None, ""])
def test_no_labels_file_is_an_empty_table(configured):
    table = LabelsFileDataset(labels_csv=configured).load()
    assert table.empty
    assert list(table.columns) == ["file", "label"]


def test_labels_file_is_read_as_text(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("file,label,note\ncats/1.jpg,cats,x\ndogs/007.jpg,dogs,\n")
    table = LabelsFileDataset(labels_csv=str(path)).load()
    pd.testing.assert_frame_equal(
        table,
        pd.DataFrame({"file": ["cats/1.jpg", "dogs/007.jpg"], "label": ["cats", "dogs"]}),
    )


def test_missing_file_or_columns_are_named(tmp_path):
    with pytest.raises(DatasetError, match=r"nope\.csv does not exist"):
        LabelsFileDataset(labels_csv=str(tmp_path / "nope.csv")).load()
    path = tmp_path / "labels.csv"
    path.write_text("path,class\na,b\n")
    with pytest.raises(DatasetError, match=r"lacks the column\(s\) \['file', 'label'\]"):
        LabelsFileDataset(labels_csv=str(path)).load()


def test_names_are_read_as_unicode_nfc(tmp_path):
    """A name typed in one Unicode form matches a folder named in the other."""
    path = tmp_path / "labels.csv"
    decomposed = unicodedata.normalize("NFD", "caf\u00e9")
    path.write_text(f"file,label\n{decomposed}/1.jpg,{decomposed}\n", encoding="utf-8")
    table = LabelsFileDataset(labels_csv=str(path)).load()
    assert table.iloc[0].to_dict() == {"file": "caf\u00e9/1.jpg", "label": "caf\u00e9"}


def test_a_labels_file_in_a_bucket_is_read_like_a_local_one(bucket, tmp_path):
    text = "file,label\ncats/1.jpg,cats\ndogs/2.jpg,dogs\n"
    (tmp_path / "labels.csv").write_text(text)
    fs, key = fsspec.core.url_to_fs(f"{bucket}/labels.csv")
    fs.pipe_file(key, text.encode())
    pd.testing.assert_frame_equal(
        LabelsFileDataset(labels_csv=f"{bucket}/labels.csv").load(),
        LabelsFileDataset(labels_csv=str(tmp_path / "labels.csv")).load(),
    )
    with pytest.raises(DatasetError, match=r"labels file .*/nope\.csv does not exist"):
        LabelsFileDataset(labels_csv=f"{bucket}/nope.csv").load()
