"""The image pack in the catalog: shards and index round-trip, versions stay whole."""

from __future__ import annotations

import os
import pickle
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
from kedro.io import DatasetError, Version

from image_classification.core.errors import InputError
from image_classification.core.image_pack import ImagePack, ShardFile, pack
from image_classification.datasets import ImagePackDataset


def _index(count: int = 11) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "relative_path": [f"c/{n}.png" for n in range(count)],
            "pixel_hash": [f"h{n}" for n in range(count)],
        }
    )


def _pack(count: int = 11, shard_size: int = 4) -> ImagePack:
    """Images whose pixels spell their number."""
    pixels = {f"c/{n}.png": np.full((3, 2, 3), n, np.uint8) for n in range(count)}
    return pack(_index(count), pixels, shard_size, (3, 2, 3))


def _numbers(images: np.ndarray) -> list[int]:
    return [int(image[0, 0, 0]) for image in images]


def test_a_saved_pack_loads_back_with_the_same_index_and_pixels(tmp_path):
    image_pack = _pack()
    dataset = ImagePackDataset(filepath=str(tmp_path / "pack"))
    dataset.save(image_pack)
    loaded = dataset.load()
    pd.testing.assert_frame_equal(loaded.index, image_pack.index)
    assert _numbers(loaded.images[np.arange(11)]) == list(range(11))
    # 11 images in shards of 4: three files, the last shorter.
    assert sorted(p.name for p in (tmp_path / "pack").glob("*.npy")) == [
        "images-00000.npy",
        "images-00001.npy",
        "images-00002.npy",
    ]
    # On a local disk the shards stay on disk: batches read their images by position.
    assert isinstance(loaded.images.shards[0], ShardFile)


def test_a_shard_on_disk_reads_images_by_position_and_refuses_damage(tmp_path):
    """Any order, repeats, an empty batch; a parallel reader and a copy sent to
    another process read the same bytes; no file stays open between batches (a pack
    may have thousands of shards); a cut file is an error, not wrong pixels."""
    dataset = ImagePackDataset(filepath=str(tmp_path / "pack"))
    dataset.save(_pack())
    open_files = len(os.listdir("/proc/self/fd"))
    shard = dataset.load().images.shards[1]  # images 4..7
    assert _numbers(shard[[3, 0, 3, 1]]) == [7, 4, 7, 5]
    assert shard[[]].shape == (0, 3, 2, 3)
    with ThreadPoolExecutor(4) as pool:
        batches = list(pool.map(lambda rows: _numbers(shard[rows]), [[0, 1, 2, 3]] * 64))
    assert batches == [[4, 5, 6, 7]] * 64
    assert _numbers(pickle.loads(pickle.dumps(shard))[[2]]) == [6]
    assert len(os.listdir("/proc/self/fd")) == open_files  # no file is held open
    path = tmp_path / "pack" / "images-00001.npy"
    path.write_bytes(path.read_bytes()[:-5])
    with pytest.raises(DatasetError, match=r"images-00001\.npy holds \d+ bytes, not the 4"):
        ImagePackDataset(filepath=str(tmp_path / "pack")).load()
    with pytest.raises(InputError, match="cut short while in use"):
        shard[[3]]


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
    # The next save removes what the crash left, and only that.
    ImagePackDataset(filepath=str(tmp_path / "pack"), version=Version(None, None)).save(
        _pack(count=5)
    )
    assert not (newer / "pack.partial").exists()
    assert [p.name for p in (tmp_path / "pack").glob("*/pack")] == ["pack", "pack"]


def test_kedro_viz_previews_the_index_without_reading_pixels(tmp_path):
    dataset = ImagePackDataset(filepath=str(tmp_path / "pack"))
    dataset.save(_pack())
    for shard in (tmp_path / "pack").glob("*.npy"):
        shard.write_bytes(b"")  # the preview must not need them
    preview = dataset.preview(nrows=3)
    assert preview["columns"] == ["relative_path", "pixel_hash"]
    assert [row[0] for row in preview["data"]] == ["c/0.png", "c/1.png", "c/2.png"]


def test_loads_in_a_run_share_one_pack_until_released_or_saved(tmp_path):
    dataset = ImagePackDataset(filepath=str(tmp_path / "pack"))
    dataset.save(_pack())
    first = dataset.load()
    assert dataset.load() is first  # one pack for every reader
    dataset.release()
    assert dataset.load() is not first
    dataset.save(_pack(count=5))
    assert len(dataset.load().index) == 5


class _Killed(BaseException):
    """Like a signal: nothing catches it on the way out."""


def test_on_object_storage_a_pack_cut_short_is_not_a_version(bucket, monkeypatch):
    """No rename on a bucket: the pack's pack.json, written last, makes it a version."""
    first = _pack(count=11)
    dataset = ImagePackDataset(filepath=f"{bucket}/image_pack", version=Version(None, None))
    dataset.save(first)
    fs = dataset._fs
    pipe_file = fs.pipe_file

    def killed_at_the_pack_json(path, *args, **kwargs):
        if path.endswith("pack.json"):
            raise _Killed
        return pipe_file(path, *args, **kwargs)

    cut_short = ImagePackDataset(
        filepath=f"{bucket}/image_pack", version=Version(None, None)
    )
    with monkeypatch.context() as killing, pytest.raises(_Killed):
        killing.setattr(fs, "pipe_file", killed_at_the_pack_json)
        cut_short.save(_pack(count=5))
    assert fs.glob(
        f"{bucket}/image_pack/*/image_pack/images-00000.npy".removeprefix("s3://")
    )
    loaded = ImagePackDataset(filepath=f"{bucket}/image_pack", version=Version(None, None))
    assert len(loaded.load().index) == 11
    assert _numbers(loaded.load().images[np.arange(11)]) == list(range(11))
