"""The image pack in the catalog: shards and index round-trip, versions stay whole."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from kedro.io import Version

from image_classification.core.image_pack import ImagePack, pack_split
from image_classification.datasets import ImagePackDataset


def _pack(count: int = 11, shard_size: int = 4) -> ImagePack:
    """Images whose first pixel spells their number, over the three splits."""
    splits = ["train"] * (count - 4) + ["validation"] * 2 + ["test"] * 2
    manifest = pd.DataFrame(
        {
            "relative_path": [f"c/{n}.png" for n in range(count)],
            "pixel_hash": [f"h{n}" for n in range(count)],
            "label_index": [n % 2 for n in range(count)],
            "split": splits,
        }
    )
    pixels = {f"c/{n}.png": np.full((3, 2, 3), n, np.uint8) for n in range(count)}
    return pack_split(manifest, pixels, shard_size, (3, 2, 3))


def _all(pack: ImagePack, split: str) -> np.ndarray:
    return pack.images[split][np.arange(len(pack.rows(split)))]


def test_a_saved_pack_loads_back_with_the_same_index_and_pixels(tmp_path):
    pack = _pack()
    dataset = ImagePackDataset(filepath=str(tmp_path / "pack"))
    dataset.save(pack)
    loaded = dataset.load()
    pd.testing.assert_frame_equal(loaded.index, pack.index)
    for split in ("train", "validation", "test"):
        np.testing.assert_array_equal(_all(loaded, split), _all(pack, split))
    # 7 training images in shards of 4: two files, the second shorter.
    assert sorted(p.name for p in (tmp_path / "pack").glob("train-*.npy")) == [
        "train-00000.npy",
        "train-00001.npy",
    ]
    # On a local disk the shards are mapped, not read into memory.
    assert isinstance(loaded.images["train"].shards[0], np.memmap)


def test_positions_across_shards_come_back_in_the_order_asked():
    pack = _pack()
    train = pack.images["train"]
    assert [int(image[0, 0, 0]) for image in train[[6, 0, 4, 3, 5]]] == [6, 0, 4, 3, 5]
    with pytest.raises(IndexError):
        train[[7]]
    taken = pack.take([8, 1, 10])  # a validation, a training and a test image
    assert [int(image[0, 0, 0]) for image in taken] == [8, 1, 10]


def test_a_version_is_found_only_once_it_is_whole(tmp_path):
    first = ImagePackDataset(filepath=str(tmp_path / "pack"), version=Version(None, None))
    first.save(_pack(count=11))
    # A crash mid-save leaves a folder with a .partial name inside a newer version.
    newer = tmp_path / "pack" / "9999-12-31T23.59.59.999Z"
    (newer / "pack.partial").mkdir(parents=True)
    (newer / "pack.partial" / "train-00000.npy").write_bytes(b"cut")
    latest = ImagePackDataset(filepath=str(tmp_path / "pack"), version=Version(None, None))
    assert len(latest.load().index) == 11
    assert latest.exists()
