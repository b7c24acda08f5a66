"""Peak memory of validation, this revision vs an earlier one, on large photos, on
many small images and on one very large PNG.

Three synthetic folders: ``--photos`` JPEGs of 6000x4000 (24 MP), ``--small`` 32x32
JPEGs, and one PNG of ``--png-side`` squared (81 MP by default) among 40 small ones.
Each revision is exported (``git archive``) and its validation nodes (listing,
inspection, near-duplicate search, flags and the two figures) run on each folder in a
fresh process with that revision's source first on the path, one revision after the
other. Printed per folder and revision: the peak RSS of the validating process (and how
much of it came after its imports: an earlier revision imported TensorFlow with its
datasets) and of its largest worker process. Target: at most 1 GB for each folder.

    python benchmarks/validation_memory.py --before REV [--photos 100] [--small 60000]
        [--png-side 9000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).parent))
from input_pipeline import synthetic_folder

PROJECT = Path(__file__).resolve().parents[1]
PHOTO_SIZE = (6000, 4000)
CHILD = """
import os, sys, threading, time
from pathlib import Path
import pandas as pd
import yaml
from image_classification.datasets import ImageFolderDataset
from image_classification.pipelines.data_validation import nodes, plots
from image_classification.core.params.data_validation import DataValidationParams
from image_classification.core.params.image_sizing import ImageSizingParams
from image_classification.core.params.same_photo import SamePhotoParams


def status_mb(pid, field):
    try:
        with open(f"/proc/{pid}/status") as status:
            line = next(l for l in status if l.startswith(field))
    except (OSError, StopIteration):
        return 0
    return int(line.split()[1]) // 1024


def watch_workers(peaks, done):
    # VmHWM is each process's own peak (ru_maxrss would count the parent's RSS at
    # the fork); read until the workers are gone, so their peak so far is their peak.
    me = os.getpid()
    while not done.is_set():
        for task in os.listdir(f"/proc/{me}/task"):
            with open(f"/proc/{me}/task/{task}/children") as children:
                for pid in children.read().split():
                    peaks[pid] = max(peaks.get(pid, 0), status_mb(pid, "VmHWM"))
        time.sleep(0.02)


if __name__ == "__main__":
    imported = status_mb("self", "VmRSS")
    peaks, done = {}, threading.Event()
    threading.Thread(target=watch_workers, args=(peaks, done), daemon=True).start()
    folder, conf = sys.argv[1], Path(sys.argv[2])
    values = yaml.safe_load((conf / "parameters_data_validation.yml").read_text())
    params = DataValidationParams(**values["data_validation"] | {"classes": None})
    shared = yaml.safe_load((conf / "parameters.yml").read_text())
    sizing = ImageSizingParams(**shared["image_sizing"])
    same_photo = SamePhotoParams(**shared["same_photo"])
    labels = pd.DataFrame(columns=["file", "label"])
    listing = ImageFolderDataset(path=folder).load()
    classes = nodes.resolve_class_names(listing, labels, params)
    size = nodes.choose_image_size(listing, classes, shared["image_size"], sizing, 0)
    inspected, pixels = nodes.inspect_images(listing, classes, params, size)
    pairs = nodes.find_near_duplicates(inspected, params, same_photo)
    index, findings, _ = nodes.flag_images(inspected, pairs, labels, params)
    plots.plot_flag_examples(findings, index, params)
    plots.plot_class_samples(index[index["status"] == "ok"], classes, params, seed=0)
    done.set()
    print(imported, status_mb("self", "VmHWM"), max(peaks.values(), default=0))
"""


def large_png_folder(root: Path, side: int) -> Path:
    """One ``side`` x ``side`` PNG beside 40 small images in two class folders."""
    synthetic_folder(root, 40)
    rng = np.random.default_rng(1)
    coarse = Image.fromarray(rng.integers(0, 256, (9, 9, 3), dtype=np.uint8))
    coarse.resize((side, side), Image.Resampling.BILINEAR).save(root / "class0" / "big.png")
    return root


def _export(revision: str, target: Path) -> Path:
    archive = subprocess.run(
        ["git", "archive", revision], cwd=PROJECT, check=True, capture_output=True
    ).stdout
    target.mkdir(parents=True)
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def peaks(project: Path, folder: Path, scratch: Path) -> tuple[int, int, int]:
    """In MB: the validating process's RSS once its imports are done, its peak, and
    the peak of its largest worker."""
    script = scratch / "validate.py"
    script.write_text(CHILD)
    output = subprocess.run(
        [sys.executable, str(script), str(folder), str(project / "conf" / "base")],
        env=os.environ | {"PYTHONPATH": str(project / "src")},
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    imported_mb, main_mb, worker_mb = map(int, output.split()[-3:])
    return imported_mb, main_mb, worker_mb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="the revision to compare with")
    parser.add_argument("--after", default="HEAD")
    parser.add_argument("--photos", type=int, default=100)
    parser.add_argument("--small", type=int, default=60_000)
    parser.add_argument("--png-side", type=int, default=9000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        folders = {
            f"{args.photos} photos of 24 MP": synthetic_folder(
                scratch / "photos", args.photos, size=PHOTO_SIZE, classes=2
            ),
            f"{args.small} small images": synthetic_folder(scratch / "small", args.small),
            f"one PNG of {args.png_side}x{args.png_side} among 40 small images": (
                large_png_folder(scratch / "png", args.png_side)
            ),
        }
        projects = {
            name: _export(revision, scratch / name)
            for name, revision in (("before", args.before), ("after", args.after))
        }
        for label, folder in folders.items():
            print(label)
            for name, project in projects.items():
                imported_mb, main_mb, worker_mb = peaks(project, folder, scratch)
                verdict = "meets" if max(main_mb, worker_mb) <= 1024 else "misses"
                print(
                    f"  {name:6s} peak RSS {main_mb:5d} MB ({main_mb - imported_mb} MB "
                    f"above its imports, {imported_mb} MB), largest worker "
                    f"{worker_mb:5d} MB: {verdict} the 1 GB target"
                )


if __name__ == "__main__":
    main()
