"""Validation's per-file work on Dask gives what this machine's processes give: on a
LocalCluster, on a scheduler and workers started as separate processes, and when a
worker dies mid-run."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import fsspec
import numpy as np
import pandas as pd
import pytest
from distributed import Client
from PIL import Image

from image_classification.core.inspection_engines import inspected_chunks
from image_classification.core.params.packing import PackingParams
from image_classification.datasets import ImageFolderDataset, ImagePackDataset
from image_classification.pipelines.packing.nodes import pack_images
from tests.conftest import TINY_CLASSES, decode_and_flag, validation_params
from tests.object_storage import free_port, wait_for_port

DASK = str(Path(sys.executable).with_name("dask"))


def _same(expected: tuple, actual: tuple, folder: Path) -> None:
    """Same index and findings; the pixels the workers wrote are those the processes
    decoded, and they pack into the same images for every usable file."""
    index, findings, pixels = expected
    pd.testing.assert_frame_equal(index, actual[0])
    pd.testing.assert_frame_equal(findings, actual[1])
    written = {}
    assert not actual[2].by_path  # the workers' pixels never came here
    for shard in actual[2].stored:
        with fsspec.open(shard.url, "rb") as file:
            written |= dict(zip(shard.relative_paths, np.load(file), strict=True))
    usable = index[index["status"] == "ok"]
    assert set(usable["relative_path"]) <= written.keys() <= pixels.by_path.keys()
    for path, image in written.items():
        np.testing.assert_array_equal(image, pixels.by_path[path])
    packing = PackingParams(shard_size=8)
    dataset = ImagePackDataset(filepath=str(folder / "pack"))
    dataset.save(pack_images(index, actual[2], packing))
    packed = dataset.load().select(usable)
    expected_pack = pack_images(index, pixels, packing).select(usable)
    np.testing.assert_array_equal(
        packed[np.arange(len(usable))], expected_pack[np.arange(len(usable))]
    )


@pytest.fixture(scope="module")
def on_processes(tiny_folder):
    return decode_and_flag(tiny_folder[0], validation_params())


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory) -> Iterator[dict]:
    """`dask scheduler` and two `dask worker` processes on 127.0.0.1 (no nanny: a
    killed worker stays dead)."""
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    logs = tmp_path_factory.mktemp("dask")
    started = []

    def start(name: str, *arguments: str) -> subprocess.Popen:
        with (logs / f"{name}.log").open("wb") as log:
            process = subprocess.Popen(
                [DASK, *arguments], stdout=log, stderr=subprocess.STDOUT
            )
        started.append(process)
        return process

    try:
        scheduler = start(
            "scheduler",
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-dashboard",
        )
        wait_for_port(port, scheduler)
        workers = [
            start(
                f"worker{number}",
                "worker",
                address,
                "--nthreads",
                "1",
                "--no-nanny",
                "--no-dashboard",
                "--host",
                "127.0.0.1",
            )
            for number in range(2)
        ]
        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
        yield {"address": address, "workers": workers}
    finally:
        # Workers first, each waited for, so none is left waiting on a gone scheduler;
        # one that ignores the signal (a busy machine) is killed: nothing outlives this.
        for process in reversed(started):
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _dask_params(tmp_path: Path, **overrides):
    store = str(tmp_path / "dask_pixels")
    return validation_params(engine="dask", dask_pixel_store=store, **overrides)


def test_a_local_cluster_of_two_processes_gives_the_same_results(
    tiny_folder, on_processes, tmp_path
):
    params = _dask_params(tmp_path, workers=2)
    _same(on_processes, decode_and_flag(tiny_folder[0], params), tmp_path)
    # The pack took the workers' shards over: nothing is left where they wrote them.
    assert not list((tmp_path / "dask_pixels").rglob("*.npy"))


def test_a_scheduler_and_workers_started_apart_give_the_same_results(
    tiny_folder, on_processes, dask_cluster, tmp_path
):
    params = _dask_params(tmp_path, dask_scheduler=dask_cluster["address"])
    _same(on_processes, decode_and_flag(tiny_folder[0], params), tmp_path)


@pytest.fixture(scope="module")
def slow_folder(tmp_path_factory) -> Path:
    """Large smooth PNGs, a few seconds of decoding in all: a worker can die mid-run."""
    root = tmp_path_factory.mktemp("slow") / "images"
    rng = np.random.default_rng(5)
    for number in range(90):
        folder = root / TINY_CLASSES[number % 3]
        folder.mkdir(parents=True, exist_ok=True)
        small = Image.fromarray(rng.integers(0, 256, (6, 6, 3), dtype=np.uint8))
        small.resize((1400, 1400), Image.Resampling.BILINEAR).save(folder / f"{number}.png")
    return root


def test_a_worker_killed_mid_run_loses_nothing(slow_folder, dask_cluster, tmp_path):
    """The scheduler hands the dead worker's chunks to the other one: every row comes
    back once, as the processes engine gives it."""
    rows = list(
        ImageFolderDataset(path=str(slow_folder))
        .load()[["relative_path", "path", "label", "outside_root", "invalid_name"]]
        .itertuples(index=False, name=None)
    )
    expected = dict(inspected_chunks(rows, validation_params(workers=1), (32, 32)))
    params = _dask_params(tmp_path, dask_scheduler=dask_cluster["address"])
    victim = dask_cluster["workers"][0]
    received = []
    killed_after = []

    def kill() -> None:
        time.sleep(1.0)
        killed_after.append(len(received))
        victim.kill()

    killer = threading.Thread(target=kill)
    killer.start()
    chunks = {}
    for start, chunk in inspected_chunks(rows, params, (32, 32)):
        received.append(start)
        chunks[start] = chunk
    killer.join()
    assert victim.wait(timeout=10) != 0
    assert killed_after[0] < len(received), "the worker died after the run ended"
    assert sorted(received) == sorted(set(received))  # each chunk once
    actual = {
        name: [value for start in sorted(chunks) for value in chunks[start].columns[name]]
        for name in chunks[0].columns
    }
    assert actual["relative_path"] == [row[0] for row in rows]
    assert actual["pixel_hash"] == [
        value
        for start in sorted(expected)
        for value in expected[start].columns["pixel_hash"]
    ]
    written = []
    for start in sorted(chunks):
        with fsspec.open(chunks[start].pixels.url, "rb") as file:
            written.append(np.load(file))
    np.testing.assert_array_equal(np.concatenate(written), expected[0].pixels)


def test_on_object_storage_the_workers_read_and_write_the_bucket(
    tiny_folder, on_processes, bucket, object_storage
):
    """Images, the workers' pixels and the pack in a bucket: the same index and the
    same packed images as the processes engine on the local folder."""
    object_storage.upload(tiny_folder[0], f"{bucket}/images")
    params = validation_params(
        engine="dask", workers=2, dask_pixel_store=f"{bucket}/dask_pixels"
    )
    index, findings, shards = decode_and_flag(f"{bucket}/images", params)
    expected_index, expected_findings, pixels = on_processes
    pd.testing.assert_frame_equal(
        index.drop(columns="path"), expected_index.drop(columns="path")
    )
    pd.testing.assert_frame_equal(findings, expected_findings)
    usable = index[index["status"] == "ok"]
    packing = PackingParams(shard_size=8)
    dataset = ImagePackDataset(filepath=f"{bucket}/pack")
    dataset.save(pack_images(index, shards, packing))
    packed = dataset.load().select(usable)
    expected_pack = pack_images(expected_index, pixels, packing).select(usable)
    everything = np.arange(len(usable))
    np.testing.assert_array_equal(packed[everything], expected_pack[everything])
    fs, key = fsspec.core.url_to_fs(f"{bucket}/dask_pixels")
    assert not fs.find(key)  # moved into the pack
