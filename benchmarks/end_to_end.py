"""`kedro run` end to end, this revision vs an earlier one: wall time, decodes per file,
test accuracy.

Each revision is exported (``git archive``) into a fresh scratch folder per run and run
there with this environment's Python, the two alternating (before, after, before,
after...) on the same image folder and parameters, so that a machine busier in one
stretch does not favour one side. Decodes are counted by wrapping ``PIL.Image.open``
in every process (a ``sitecustomize`` module on ``PYTHONPATH``): Pillow is this
revision's only decoder.
Each process also records its peak RSS. Revisions that also decoded with TensorFlow
(before the image pack: once more per split file, inside ``tf.data``, where a Python
counter cannot see) are reported with those decodes added from the split manifest's
size.

    python benchmarks/end_to_end.py --before REV [--folder PATH] [--params K=V,...]
                                    [--rounds N]

The folder defaults to the bundled demo images; give ``--params`` as ``kedro run
--params`` takes them (e.g. ``data_validation.classes=null,training.max_epochs=15`` for
another folder).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

PROJECT = Path(__file__).resolve().parents[1]
COUNTER = """
import atexit, os, resource
import PIL.Image
_open, _calls = PIL.Image.open, [0]
def _counting_open(*args, **kwargs):
    _calls[0] += 1
    return _open(*args, **kwargs)
PIL.Image.open = _counting_open
def _report():
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    with open(os.environ["DECODE_COUNT_FILE"], "a") as counts:
        counts.write(f"{_calls[0]} {peak_mb}\\n")
atexit.register(_report)
"""


def _export(revision: str, target: Path) -> Path:
    archive = subprocess.run(
        ["git", "archive", revision], cwd=PROJECT, check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def _latest(project: Path, name: str) -> Path:
    versions = sorted((project / "data" / "08_reporting" / name).iterdir())
    return versions[-1] / name


def run(revision: str, folder: Path, params: str, scratch: Path) -> dict:
    """One `kedro run` of ``revision`` in a new export: seconds, Pillow decodes, files,
    test accuracy."""
    project = _export(revision, Path(tempfile.mkdtemp(prefix=f"{revision}-", dir=scratch)))
    (scratch / "site").mkdir(exist_ok=True)
    (scratch / "site" / "sitecustomize.py").write_text(COUNTER)
    counts = project.with_suffix(".counts")
    environment = os.environ | {
        "PYTHONPATH": str(scratch / "site"),
        "DECODE_COUNT_FILE": str(counts),
        "DO_NOT_TRACK": "1",
        "KEDRO_DISABLE_TELEMETRY": "1",
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }
    overrides = ",".join(filter(None, [f"raw_image_dir={folder}", params]))
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "kedro", "run", "--params", overrides],
        cwd=project,
        env=environment,
        check=True,
        capture_output=True,
    )
    seconds = time.perf_counter() - start
    manifests = project / "data" / "05_model_input" / "split_manifest.parquet"
    latest_manifest = sorted(manifests.iterdir())[-1] / "split_manifest.parquet"
    split_files = len(pd.read_parquet(latest_manifest))
    lines = counts.read_text().splitlines()
    metrics = json.loads(_latest(project, "training_metrics.json").read_text())
    report = json.loads(_latest(project, "validation_report.json").read_text())
    return {
        "seconds": seconds,
        "pillow_decodes": sum(int(line.split()[0]) for line in lines),
        "peak_rss_mb": max(int(line.split()[1]) for line in lines),
        "files": report["files"],
        "split_files": split_files,
        "tensorflow_decodes": 0
        if (project / "src/image_classification/core/decoding.py").exists()
        else split_files,
        "test_accuracy": metrics["test_accuracy"],
        "epochs": metrics["epochs_run"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="the revision to compare with")
    parser.add_argument("--after", default="HEAD")
    parser.add_argument("--folder", type=Path, default=PROJECT / "data/01_raw/demo")
    parser.add_argument("--params", default="")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each revision")
    args = parser.parse_args()
    sides = (("before", args.before), ("after", args.after))
    results = {name: [] for name, _ in sides}
    with tempfile.TemporaryDirectory() as scratch:
        for _ in range(args.rounds):
            for name, revision in sides:
                results[name].append(
                    run(revision, args.folder.resolve(), args.params, Path(scratch))
                )
    print(f"{args.folder.name}: kedro run --params {args.params or '(none)'}")
    for round_number in range(args.rounds):
        for name, revision in sides:
            r = results[name][round_number]
            decodes = r["pillow_decodes"] + r["tensorflow_decodes"]
            print(
                f"  {name:6s} {revision[:10]:10s} {r['seconds']:6.0f} s; {r['files']} "
                f"files: {r['pillow_decodes']} Pillow + {r['tensorflow_decodes']} "
                f"TensorFlow decodes = {decodes / r['files']:.3f} per file; test "
                f"accuracy {r['test_accuracy']:.4f} after {r['epochs']} epochs; peak RSS "
                f"{r['peak_rss_mb']} MB"
            )
    seconds = {name: [r["seconds"] for r in results[name]] for name, _ in sides}
    ratios = [a / b for a, b in zip(seconds["after"], seconds["before"], strict=True)]
    print(
        "  wall time after/before per round: "
        + ", ".join(f"{ratio:.2f}" for ratio in ratios)
        + f"; median {statistics.median(ratios):.2f}"
    )


if __name__ == "__main__":
    main()
