"""The data drift report on four kinds of new data, and what it adds to a run.

Half of a folder (every other file of each class) stands for the data a champion was
trained on; the other half is added to it as it is (a), darkened by 30% (b), with one
class's files put in another class's folder (c), and shrunk to 16 pixels and blown up
again, blurry (d). Each folder is validated and split by the pipeline's nodes, profiled
and compared with the first half's profile as a retraining run does; the report must
say "ok" for (a) and name the statistic or the classes for (b), (c) and (d).

The time of what the report adds (the profile, the comparison, the table, the figure
and the page) is printed beside the time of validation and split of the same folder,
a fraction of a whole run, which trains too; and the profile's size on disk.

    python benchmarks/data_drift.py [--folder PATH] [--per-class N]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from image_classification.core.data_profile import data_profile, drift_report
from image_classification.core.params.retraining import RetrainingParams
from image_classification.datasets import Champion
from image_classification.pipelines.retraining.report import (
    build_retraining_report,
    tabulate_data_drift,
)

sys.path.insert(0, str(Path(__file__).parent))
from project_setup import (
    configured,
    split_and_pack,
    validate_folder,
    validation_params,
)

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
DECISION = {  # the page's promotion part, which this benchmark does not measure
    "run_id": "benchmark",
    "promote": False,
    "reason": "not measured here",
    "candidate_test_accuracy": 0.0,
    "candidate_verdict": "good fit",
    "champion_test_accuracy": None,
    "champion_new_test_images": None,
    "champion_other_test_images": None,
    "champion_worse_on_new_images": False,
    "previous_champion_id": None,
}


def _darker(image: Image.Image) -> Image.Image:
    return Image.fromarray((np.asarray(image, float) * 0.7).round().astype(np.uint8))


def _blurry(image: Image.Image) -> Image.Image:
    small = image.resize((16, 16), Image.Resampling.LANCZOS)
    return small.resize(image.size, Image.Resampling.BICUBIC)


def _halves(folder: Path, per_class: int) -> tuple[list[Path], list[Path]]:
    """Every other file of each class (the champion's half) and the rest."""
    old, new = [], []
    for class_folder in sorted(p for p in folder.iterdir() if p.is_dir()):
        files = sorted(class_folder.iterdir())[:per_class]
        old += files[::2]
        new += files[1::2]
    return old, new


def _build(
    target: Path,
    old: list[Path],
    new: list[Path],
    change: Callable[[Image.Image], Image.Image] | None = None,
    moved: tuple[str, str] | None = None,
) -> None:
    """``target`` holding the old files as they are and the new ones changed: their
    pixels by ``change`` (saved as JPEG again), or the files of class ``moved[0]``
    put in the folder of ``moved[1]``."""
    arrivals = set(new)
    for path in old + new:
        label = path.parent.name
        if path in arrivals and moved and label == moved[0]:
            label = moved[1]
        destination = target / label / f"{path.parent.name}_{path.name}"
        destination.parent.mkdir(parents=True, exist_ok=True)
        if path in arrivals and change:
            with Image.open(path) as image:
                change(image.convert("RGB")).save(destination, quality=95)
        else:
            shutil.copyfile(path, destination)


def _profile(folder: Path) -> tuple[pd.DataFrame, float]:
    """The folder's profile, as a retraining run makes it; and the seconds that
    validation and split took."""
    start = time.perf_counter()
    classes, index, _, pixels = validate_folder(folder, validation_params())
    _, manifest = split_and_pack(index, classes, pixels)
    seconds = time.perf_counter() - start
    return data_profile(index, manifest), seconds


def _report(champion: Champion, profile_of_today, params) -> tuple[dict, float]:
    """The drift report with its table, figure and page, and its seconds."""
    start = time.perf_counter()
    drift = drift_report(champion.profile, profile_of_today, params.drift)
    drift |= {"reference": "first half"}
    table = tabulate_data_drift(drift)
    build_retraining_report(DECISION, drift, table, champion, profile_of_today)
    return drift, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=DATASETS / "cifar10-train")
    parser.add_argument("--per-class", type=int, default=10**9, help="files per class")
    args = parser.parse_args()
    params = configured("retraining", RetrainingParams)
    old, new = _halves(args.folder, args.per_class)
    classes = sorted({path.parent.name for path in old})
    moved = (classes[3 % len(classes)], classes[5 % len(classes)])
    cases = {
        "(a) the other half as it is": {},
        "(b) the other half 30% darker": {"change": _darker},
        f"(c) the other half's {moved[0]} files in {moved[1]}": {"moved": moved},
        "(d) the other half from 16 pixels": {"change": _blurry},
    }
    with tempfile.TemporaryDirectory() as scratch:
        _build(Path(scratch) / "old", old, [])
        first_half, _ = _profile(Path(scratch) / "old")
        champion = Champion(model=None, record={}, profile=first_half)
        profile_file = Path(scratch) / "data_profile.parquet"
        first_half.to_parquet(profile_file, compression="zstd", index=False)
        print(f"folder: {args.folder}; champion's half: {len(first_half):,} images")
        for name, change in cases.items():
            target = Path(scratch) / "case"
            shutil.rmtree(target, ignore_errors=True)
            _build(target, old, new, **change)
            today, run_seconds = _profile(target)
            drift, report_seconds = _report(champion, today, params)
            counts = f"{len(today):,} images, {drift['arrived']:,} new"
            print(f"\n{name}: {drift['verdict']} ({counts})")
            for item in drift["drifted"]:
                print(f"  drift: {item}")
            print(
                f"  report {report_seconds:.1f} s beside validation and split "
                f"{run_seconds:.1f} s: {report_seconds / run_seconds:.1%} of them"
            )
        size = profile_file.stat().st_size / 2**20
        print(f"\nprofile of {len(first_half):,} images on disk: {size:.2f} MB")


if __name__ == "__main__":
    main()
