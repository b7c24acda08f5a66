"""Files per second of the per-file inspection: a process per core (ours) vs one.

Times ``inspect_images``, the stage that reads and decodes every file (and keeps the
training pixels); the baseline is the same inspection in this process alone, which is
what a plain loop over Pillow does. Both are run alternately on the same folder,
several rounds, so that a noisy machine affects both alike; the ratio is what to read.
Folders under 10,000 files are inspected in one process either way. Then the whole
validation and the packing (listing, inspection, near-duplicate search, flags, pack
written) is timed node by node.

    python benchmarks/validation_throughput.py [--folder PATH] [--quick]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from image_classification.core.params.packing import PackingParams
from image_classification.datasets import ImageFolderDataset, ImagePackDataset
from image_classification.pipelines.data_validation.nodes import (
    find_near_duplicates,
    flag_images,
    inspect_images,
    resolve_class_names,
)
from image_classification.pipelines.packing.nodes import pack_images

sys.path.insert(0, str(Path(__file__).parent))
from project_setup import (
    NO_LABELS,
    configured,
    same_photo_params,
    training_image_size,
    validation_params,
)

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"


def _seconds(listing, class_names, workers: int) -> float:
    start = time.perf_counter()
    inspect_images(
        listing,
        class_names,
        validation_params(workers=workers),
        training_image_size(listing, class_names),
    )
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
    _whole_validation(args.folder, cores)


def _whole_validation(folder: Path, workers: int) -> None:
    """The validation nodes one after the other, each timed: where the rest goes."""
    params = validation_params(workers=workers)
    seconds = {}
    start = time.perf_counter()
    listing = ImageFolderDataset(path=str(folder)).load()
    seconds["listing"] = time.perf_counter() - start
    classes = resolve_class_names(listing, NO_LABELS, params)
    start = time.perf_counter()
    inspected, pixels = inspect_images(
        listing, classes, params, training_image_size(listing, classes)
    )
    seconds["inspection"] = time.perf_counter() - start
    start = time.perf_counter()
    pairs = find_near_duplicates(inspected, params, same_photo_params())
    seconds["near duplicates"] = time.perf_counter() - start
    start = time.perf_counter()
    index, _, _ = flag_images(inspected, pairs, NO_LABELS, params)
    seconds["flags"] = time.perf_counter() - start
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        packed = pack_images(index, pixels, configured("packing", PackingParams))
        ImagePackDataset(filepath=f"{scratch}/image_pack").save(packed)
    seconds["packing"] = time.perf_counter() - start
    parts = ", ".join(f"{name} {value:.1f} s" for name, value in seconds.items())
    rate = len(listing) / sum(seconds.values())
    print(
        f"whole validation and packing, {workers} processes: {rate:.0f} files/s ({parts})"
    )
    print(f"target: >= 5,000 files/s on 2 cores ({rate / 5000:.2f} of it)")


if __name__ == "__main__":
    main()
