"""Files per second of the per-file inspection: a process per core (ours) vs one.

Times ``inspect_images``, the stage that reads and decodes every file (and keeps the
training pixels); the baseline is the same inspection in this process alone, which is
what a plain loop over Pillow does. Both are run alternately on the same folder,
several rounds, so that a noisy machine affects both alike; the ratio is what to read.
Folders under 2,000 files are inspected in one process either way.

    python benchmarks/validation_throughput.py [--folder PATH] [--quick]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from image_classification.datasets import ImageFolderDataset
from image_classification.pipelines.data_validation.nodes import inspect_images

sys.path.insert(0, str(Path(__file__).parent))
from project_setup import image_size, validation_params

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"


def _seconds(listing, class_names, workers: int) -> float:
    start = time.perf_counter()
    inspect_images(listing, class_names, validation_params(workers=workers), image_size())
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=DATASETS / "cifar10-train")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="2 rounds")
    args = parser.parse_args()
    rounds = 2 if args.quick else args.rounds
    listing = ImageFolderDataset(path=str(args.folder)).load()
    class_names = sorted(set(listing["label"]) - {""})
    cores = os.cpu_count() or 1
    _seconds(listing, class_names, cores)  # warm the page cache for both contenders
    ours, baseline = [], []
    for _ in range(rounds):
        ours.append(_seconds(listing, class_names, cores))
        baseline.append(_seconds(listing, class_names, 1))
    files = len(listing)
    ours_rate = files / statistics.median(ours)
    baseline_rate = files / statistics.median(baseline)
    print(f"folder: {args.folder} ({files} files), {cores} cores, {rounds} rounds")
    print(f"ours, {cores} processes: {ours_rate:8.0f} files/s (median)")
    print(f"baseline, 1 process: {baseline_rate:8.0f} files/s (median)")
    print(f"ratio ours/baseline: {ours_rate / baseline_rate:.2f}x")


if __name__ == "__main__":
    main()
