"""Our data_validation vs CleanVision 0.3.7: throughput, and recall of planted faults.

Throughput: ours is the whole validation and the packing of the training pixels;
both tools run alternately on the same clean folder (CleanVision stops at the
first unreadable file, so it cannot be timed on a faulty one), median of the rounds;
then Pillow's read-and-decode alone on the same files, the limit of both.
Recall: faults are planted with ``plant_faults.py`` in a temporary copy; ours runs on
the copy with every kind, CleanVision on the copy with every kind (to show what
happens) and on a copy with near duplicates only (to measure its recall). Also times
the near-duplicate search alone on the folder and on 10k and 50k synthetic thumbnails.

    python benchmarks/validation_vs_cleanvision.py --folder PATH [--quick]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image
from scipy import ndimage

from image_classification.core.inspection import THUMBNAIL_SMOOTHING
from image_classification.core.params.packing import PackingParams
from image_classification.datasets import ImagePackDataset
from image_classification.pipelines.data_validation.duplicates import near_duplicate_pairs
from image_classification.pipelines.data_validation.nodes import find_near_duplicates
from image_classification.pipelines.packing.nodes import pack_images

sys.path.insert(0, str(Path(__file__).parent))
from plant_faults import FILE_FAULTS, NEAR_DUPLICATES, plant
from project_setup import (
    configured,
    inspect_folder,
    same_photo_params,
    validate_folder,
    validation_params,
)


def run_ours(folder: Path) -> tuple[float, pd.DataFrame, pd.DataFrame]:
    """The whole validation and the packing of the training pixels, written to disk
    as a run writes them: what a user waits for before the split."""
    start = time.perf_counter()
    _, index, findings, pixels = validate_folder(folder, validation_params())
    with tempfile.TemporaryDirectory() as scratch:
        packed = pack_images(index, pixels, configured("packing", PackingParams))
        ImagePackDataset(filepath=f"{scratch}/image_pack").save(packed)
    return time.perf_counter() - start, index, findings


def decode_only_rate(folder: Path) -> float:
    """Files per second one process reads and decodes with Pillow, nothing else: the
    limit of any validation that decodes every file."""
    files = [path for path in sorted(folder.rglob("*")) if path.is_file()]
    start = time.perf_counter()
    for path in files:
        with Image.open(io.BytesIO(path.read_bytes())) as image:
            image.load()
    return len(files) / (time.perf_counter() - start)


def run_cleanvision(folder: Path):
    from cleanvision import Imagelab  # benchmark-only dependency  # noqa: PLC0415

    start = time.perf_counter()
    with (
        contextlib.redirect_stdout(io.StringIO()),
        contextlib.redirect_stderr(io.StringIO()),
    ):
        lab = Imagelab(data_path=str(folder))
        lab.find_issues(verbose=False)
    return time.perf_counter() - start, lab


def _our_recall(manifest, index, findings) -> dict[str, float]:
    by_path = index.set_index("relative_path")
    near = set(findings.loc[findings["check"] == "near_duplicate", "relative_path"])
    hits: dict[str, list[bool]] = {}
    for entry in manifest:
        kind, path = entry["kind"], entry["path"]
        if kind in FILE_FAULTS:
            found = by_path.loc[path, "reason"] == kind
        elif kind in NEAR_DUPLICATES:
            group = by_path["duplicate_group"]
            found = path in near and group[path] == group[entry["source"]]
        else:
            continue
        hits.setdefault(kind, []).append(bool(found))
    return {kind: float(np.mean(found)) for kind, found in hits.items()}


def _cleanvision_recall(manifest, lab) -> dict[str, float]:
    sets = [
        {Path(str(member)).as_posix() for member in group}
        for issue in ("exact_duplicates", "near_duplicates")
        for group in lab.info.get(issue, {}).get("sets", [])
    ]

    def together(first: str, second: str) -> bool:
        return any(
            any(m.endswith(first) for m in group) and any(m.endswith(second) for m in group)
            for group in sets
        )

    hits: dict[str, list[bool]] = {}
    for entry in manifest:
        if entry["kind"] in NEAR_DUPLICATES:
            hits.setdefault(entry["kind"], []).append(
                together(entry["path"], entry["source"])
            )
    return {kind: float(np.mean(found)) for kind, found in hits.items()}


def _synthetic_thumbnails(count: int, seed: int) -> np.ndarray:
    """Smoothed thumbnails as ``content_stats`` makes them, of random textured images."""
    rng = np.random.default_rng(seed)
    coarse = rng.uniform(0, 255, (count, 8, 8))
    noisy = ndimage.zoom(coarse, (1, 4, 4), order=1) + rng.normal(0, 12, (count, 32, 32))
    smooth = ndimage.gaussian_filter(
        noisy, sigma=(0, THUMBNAIL_SMOOTHING, THUMBNAIL_SMOOTHING)
    )
    return np.clip(smooth, 0, 255).astype(np.uint8)


def _near_duplicate_scaling(rounds: int, sizes=(10_000, 50_000)) -> None:
    """Sizes alternate within each round. The growth is the median of the rounds'
    own ratios (each taken a second apart, so a slow spell on a shared machine moves
    both sizes); the median times and their ratio are printed too."""
    near = validation_params().flags.near_duplicate
    thumbnails = {size: _synthetic_thumbnails(size, seed=size) for size in sizes}
    seconds = {size: [] for size in sizes}
    for _ in range(rounds):
        for size in sizes:
            start = time.perf_counter()
            near_duplicate_pairs(
                thumbnails[size],
                near.max_thumbnail_distance,
                near.neighbors,
                near.candidate_radius,
            )
            seconds[size].append(time.perf_counter() - start)
    medians = [statistics.median(seconds[size]) for size in sizes]
    for size, median in zip(sizes, medians, strict=True):
        print(f"near-duplicate search, {size} images: {median:.3f} s (median of {rounds})")
    ratios = sorted(big / small for small, big in zip(*seconds.values(), strict=True))
    growth = statistics.median(ratios)
    print(
        f"growth {sizes[0]} -> {sizes[1]} images: {growth:.2f}x (target <= 6x); "
        f"rounds {ratios[0]:.2f}-{ratios[-1]:.2f}x, ratio of medians "
        f"{medians[1] / medians[0]:.2f}x"
    )


def _near_duplicate_search_on(folder: Path, rounds: int) -> None:
    """The search alone on the folder's own photos: real images cluster (sky, plain
    backgrounds), which lets many more unrelated pairs near each other than the
    synthetic textures do."""
    params = validation_params()
    _, inspected, _ = inspect_folder(folder, params)
    seconds = []
    for _ in range(rounds):
        start = time.perf_counter()
        pairs = find_near_duplicates(inspected, params, same_photo_params())
        seconds.append(time.perf_counter() - start)
    print(
        f"near-duplicate search, the folder's {len(inspected)} images: "
        f"{statistics.median(seconds):.3f} s (median of {rounds}), {len(pairs)} pairs"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--per-kind", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="1 round, 10 per kind")
    args = parser.parse_args()
    rounds, per_kind = (1, 10) if args.quick else (args.rounds, args.per_kind)
    files = sum(1 for p in args.folder.rglob("*") if p.is_file())

    ours_seconds, theirs_seconds = [], []
    for _ in range(rounds):
        ours_seconds.append(run_ours(args.folder)[0])
        theirs_seconds.append(run_cleanvision(args.folder)[0])
    ours_rate = files / statistics.median(ours_seconds)
    theirs_rate = files / statistics.median(theirs_seconds)
    print(f"clean folder: {args.folder} ({files} files), median of {rounds} round(s)")
    print(f"ours:        {ours_rate:7.0f} images/s")
    print(f"CleanVision: {theirs_rate:7.0f} images/s")
    print(f"ratio ours/CleanVision: {ours_rate / theirs_rate:.2f}x (target >= 2x)")
    cores = os.cpu_count() or 1
    limit = cores * decode_only_rate(args.folder)
    print(
        f"decode only (Pillow read and load, {cores} x one process): {limit:7.0f} "
        f"images/s; ours is {ours_rate / limit:.2f} of it, and "
        f"{ours_rate / 5000:.2f} of the 5,000 images/s target"
    )

    with tempfile.TemporaryDirectory() as scratch:
        everything = Path(scratch) / "all_kinds"
        kinds = (*FILE_FAULTS, *NEAR_DUPLICATES, "label_flip")
        manifest = plant(args.folder, everything, per_kind, seed=1, kinds=kinds)
        _, index, findings = run_ours(everything)
        ours_recall = _our_recall(manifest, index, findings)
        try:
            run_cleanvision(everything)
            crashed = "no"
        except Exception as error:  # CleanVision's failure is the finding here
            crashed = f"yes: {type(error).__name__}: {str(error)[:80]}"
        near_only = Path(scratch) / "near_duplicates_only"
        near_manifest = plant(
            args.folder, near_only, per_kind, seed=1, kinds=NEAR_DUPLICATES
        )
        theirs_recall = _cleanvision_recall(near_manifest, run_cleanvision(near_only)[1])
    print(f"\nrecall with {per_kind} planted per kind (ours | CleanVision):")
    for kind in (*FILE_FAULTS, *NEAR_DUPLICATES):
        theirs = f"{theirs_recall[kind]:.0%}" if kind in theirs_recall else "crashes"
        print(f"  {kind:20s} {ours_recall[kind]:5.0%} | {theirs}")
    print(f"CleanVision on the folder with file faults crashed: {crashed}")
    print()
    _near_duplicate_search_on(args.folder, rounds=5)
    _near_duplicate_scaling(rounds=15)  # cheap; more rounds, a steadier median


if __name__ == "__main__":
    main()
