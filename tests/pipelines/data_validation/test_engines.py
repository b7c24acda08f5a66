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

import numpy as np
import pandas as pd
import pytest
from distributed import Client
from PIL import Image

from image_classification.datasets import ImageFolderDataset
from image_classification.pipelines.data_validation.engines import inspected_chunks
from tests.conftest import TINY_CLASSES, decode_and_flag, validation_params
from tests.object_storage import free_port, wait_for_port

DASK = str(Path(sys.executable).with_name("dask"))


def _same(expected: tuple, actual: tuple) -> None:
    index, findings, pixels = expected
    pd.testing.assert_frame_equal(index, actual[0])
    pd.testing.assert_frame_equal(findings, actual[1])
    assert pixels.keys() == actual[2].keys()
    for path, image in pixels.items():
        np.testing.assert_array_equal(image, actual[2][path])


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
        for process in reversed(started):
            process.terminate()
        for process in started:
            process.wait(timeout=60)


def test_a_local_cluster_of_two_processes_gives_the_same_results(tiny_folder, on_processes):
    params = validation_params(engine="dask", workers=2)
    _same(on_processes, decode_and_flag(tiny_folder[0], params))


def test_a_scheduler_and_workers_started_apart_give_the_same_results(
    tiny_folder, on_processes, dask_cluster
):
    params = validation_params(engine="dask", dask_scheduler=dask_cluster["address"])
    _same(on_processes, decode_and_flag(tiny_folder[0], params))


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


def test_a_worker_killed_mid_run_loses_nothing(slow_folder, dask_cluster):
    """The scheduler hands the dead worker's chunks to the other one: every row comes
    back once, as the processes engine gives it."""
    rows = list(
        ImageFolderDataset(path=str(slow_folder))
        .load()[["relative_path", "path", "label", "outside_root", "invalid_name"]]
        .itertuples(index=False, name=None)
    )
    expected = dict(inspected_chunks(rows, validation_params(workers=1), (32, 32)))
    params = validation_params(engine="dask", dask_scheduler=dask_cluster["address"])
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
    pixels = np.concatenate([chunks[start].pixels for start in sorted(chunks)])
    np.testing.assert_array_equal(pixels, expected[0].pixels)
