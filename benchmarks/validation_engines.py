"""Files per second of validation's per-file inspection on each engine, side by side.

Contenders, run alternately for several rounds on the same folder (a noisy machine
affects all alike; read the ratios):
- ``processes``: the default engine, this machine's processes (this one included;
  below 10,000 files this process alone);
- ``one process``: this process alone, whatever the size;
- ``dask processes``: ``engine: dask`` with its LocalCluster of single-threaded worker
  processes, one per core, started and stopped inside each timing (what a user waits);
- ``dask threads``: a Dask LocalCluster of one process with a thread per core (the
  per-file work is Python between Pillow calls: the threads take turns on the GIL).

    python benchmarks/validation_engines.py [--folder PATH] [--rounds N] [--files N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from distributed import LocalCluster

from image_classification.datasets import ImageFolderDataset
from image_classification.pipelines.data_validation.nodes import inspect_images

sys.path.insert(0, str(Path(__file__).parent))
from project_setup import training_image_size, validation_params

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"


def _seconds(listing, class_names, **params) -> float:
    start = time.perf_counter()
    inspect_images(
        listing,
        class_names,
        validation_params(**params),
        training_image_size(listing, class_names),
    )
    return time.perf_counter() - start


def _dask_threads(listing, class_names, cores: int, store: str) -> float:
    start = time.perf_counter()
    with LocalCluster(
        n_workers=1, threads_per_worker=cores, processes=False, dashboard_address=None
    ) as cluster:
        params = {
            "engine": "dask",
            "dask_scheduler": cluster.scheduler_address,
            "dask_pixel_store": store,
        }
        inspect_images(
            listing,
            class_names,
            validation_params(**params),
            training_image_size(listing, class_names),
        )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=DATASETS / "cifar10-sample")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--files", type=int, help="the first FILES files only")
    parser.add_argument("--quick", action="store_true", help="1 round on 2,000 files")
    args = parser.parse_args()
    listing = ImageFolderDataset(path=str(args.folder)).load()
    rounds = args.rounds
    if args.quick:
        listing, rounds = listing.iloc[:2000], 1
    if args.files:
        listing = listing.iloc[: args.files]
    class_names = sorted(set(listing["label"]) - {""})
    cores = os.cpu_count() or 1
    scratch = tempfile.mkdtemp(prefix="dask-pixels-")  # the workers' pixels, dropped
    dask = {"engine": "dask", "dask_pixel_store": scratch}
    contenders = {
        "processes": lambda: _seconds(listing, class_names, workers=cores),
        "one process": lambda: _seconds(listing, class_names, workers=1),
        "dask processes": lambda: _seconds(listing, class_names, workers=cores, **dask),
        "dask threads": lambda: _dask_threads(listing, class_names, cores, scratch),
    }
    contenders["processes"]()  # warm the page cache for all of them
    times = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, run in contenders.items():
            times[name].append(run())
    files = len(listing)
    rates = {name: files / statistics.median(seconds) for name, seconds in times.items()}
    print(f"folder: {args.folder} ({files} files), {cores} cores, {rounds} rounds")
    for name, rate in rates.items():
        ratio = rate / rates["processes"]
        print(f"{name:>15}: {rate:8.0f} files/s (median), {ratio:.2f}x processes")
    shutil.rmtree(scratch)


if __name__ == "__main__":
    main()
