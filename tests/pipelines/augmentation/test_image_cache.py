"""Decoded images are kept in memory or, past the budget, in complete files on disk."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from image_classification.pipelines.augmentation.input_pipeline import (
    images_fingerprint,
    make_image_dataset,
)
from image_classification.pipelines.augmentation.nodes import build_datasets
from image_classification.pipelines.augmentation.params import AugmentationParams
from tests.conftest import base_parameters


def _params(cache_dir, **overrides) -> AugmentationParams:
    values = base_parameters("augmentation") | {"batch_size": 8}
    return AugmentationParams(**values | {"cache_dir": str(cache_dir)} | overrides)


def _images(dataset) -> np.ndarray:
    return np.concatenate([images.numpy() for images, _ in dataset])


def _copied_manifest(tiny_manifest: pd.DataFrame, tmp_path) -> pd.DataFrame:
    """The manifest pointing at a private copy of its files, which a test may move."""
    manifest = tiny_manifest.copy()
    copies = []
    for row in manifest.itertuples():
        target = tmp_path / "images" / row.relative_path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(row.path, target)
        copies.append(str(target))
    manifest["path"] = copies
    return manifest


def test_within_the_budget_nothing_is_written(tiny_manifest, tmp_path):
    cache_dir = tmp_path / "cache"
    datasets = build_datasets(tiny_manifest, _params(cache_dir), seed=0)
    _images(datasets[1])
    assert not cache_dir.exists()


def test_past_the_budget_a_second_run_reads_the_files_cache(tiny_manifest, tmp_path):
    manifest = _copied_manifest(tiny_manifest, tmp_path)
    cache_dir = tmp_path / "cache"
    params = _params(cache_dir, cache_memory_mb=0)
    first = [_images(dataset) for dataset in build_datasets(manifest, params, seed=0)[1:]]
    caches = sorted(path.name for path in cache_dir.iterdir())
    validation = manifest[manifest["split"] == "validation"]
    fingerprint = images_fingerprint(validation["pixel_hash"], params.image_size)
    assert f"{fingerprint}.npy" in caches
    assert len(caches) == 3  # one complete cache per split, no partial files
    # With the image files gone, only the cache can supply the pixels.
    shutil.rmtree(tmp_path / "images")
    train, *again = (_images(d) for d in build_datasets(manifest, params, seed=0))
    assert len(train) == (manifest["split"] == "train").sum()
    for before, after in zip(first, again, strict=True):
        np.testing.assert_array_equal(before, after)


def test_a_cache_half_written_by_a_killed_run_does_not_block_the_next(
    tiny_manifest, tmp_path
):
    rows = tiny_manifest[tiny_manifest["split"] == "test"]
    cache = tmp_path / f"{images_fingerprint(rows['pixel_hash'], (32, 32))}.npy"
    # A killed run leaves its partial file, never the final one.
    partial = cache.with_name(cache.name + ".partial-1")
    partial.write_bytes(b"\x93NUMPY half")
    in_memory = make_image_dataset(rows["path"], rows["label_index"], (32, 32), 4)
    on_disk = make_image_dataset(
        rows["path"], rows["label_index"], (32, 32), 4, disk_cache=cache
    )
    np.testing.assert_array_equal(_images(in_memory), _images(on_disk))
    assert np.load(cache).shape == (len(rows), 32, 32, 3)


def test_a_failed_cache_write_leaves_neither_the_cache_nor_a_partial_file(
    tiny_manifest, tmp_path
):
    rows = tiny_manifest[tiny_manifest["split"] == "test"]
    cache = tmp_path / "cache" / "images.npy"
    missing = [*rows["path"][:-1], str(tmp_path / "gone.png")]
    with pytest.raises(FileNotFoundError):
        make_image_dataset(missing, rows["label_index"], (32, 32), 4, disk_cache=cache)
    assert list(cache.parent.iterdir()) == []


def test_the_fingerprint_changes_with_pixels_order_and_size():
    base = images_fingerprint(["a", "b"], (32, 32))
    assert base == images_fingerprint(["a", "b"], (32, 32))
    assert base != images_fingerprint(["b", "a"], (32, 32))
    assert base != images_fingerprint(["a", "c"], (32, 32))
    assert base != images_fingerprint(["a", "b"], (32, 48))
