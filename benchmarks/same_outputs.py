"""Whether a change kept the pipeline's outputs: `kedro run` of two revisions on the
same images, every output file compared byte for byte.

Each revision is exported (``git archive``) into a scratch folder and run there with
this environment's Python, on the bundled demo images unless ``--folder``. Versioned
outputs are compared at their latest version (the version folder, named by the clock,
is left out of the name). Files that hold the clock or the machine by design are
listed apart, not compared: the training history's wall time, MLflow's store, the
retraining state. A refactoring must print "different: none".

    python benchmarks/same_outputs.py --before REV [--after REV] [--folder PATH]
                                      [--params K=V,...]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

PROJECT = Path(__file__).resolve().parents[1]
# Outputs that record when or where they were made: not compared byte for byte. The
# models' weights are compared as arrays instead (``_model_weights``).
CLOCK_OR_MACHINE = (
    "training_history.csv",
    "09_tracking",
    "mlflow",
    ".keras",
    "saved_model",
)


def _export(revision: str, target: Path) -> Path:
    archive = subprocess.run(
        ["git", "archive", revision], cwd=PROJECT, check=True, capture_output=True
    ).stdout
    target.mkdir(parents=True)
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def _output_files(project: Path, pattern: str) -> Iterator[tuple[str, Path]]:
    """Every file under ``data/`` matching ``pattern``, by its path with Kedro's
    version folders left out."""
    for path in sorted((project / "data").rglob(pattern)):
        if path.is_file():  # a versioned dataset is a folder of versions
            relative = path.relative_to(project / "data").parts
            yield "/".join(part for part in relative if not _is_version(part)), path


def _outputs(project: Path) -> dict[str, str]:
    """SHA-256 of every output file but the raw images, by its versionless path."""
    return {
        name: hashlib.sha256(path.read_bytes()).hexdigest()
        for name, path in _output_files(project, "*")
        if not name.startswith("01_raw/")
    }


def _is_version(part: str) -> bool:
    """Kedro's version folder names: ``2026-12-07T12.41.34.123Z``."""
    return len(part) == 24 and part[4] == "-" and part[10] == "T" and part.endswith("Z")


def _pages_without_images(project: Path) -> dict[str, str]:
    """Every HTML page a run wrote, its embedded images (data URIs) left out: a page
    that differs only there shows the same text and tables."""
    return {
        name: re.sub(r"data:image/png;base64,[^\"]+", "IMAGE", path.read_text())
        for name, path in _output_files(project, "*.html")
    }


def _model_weights(project: Path) -> dict[str, list]:
    """The weights of every ``.keras`` model a run saved, by its path (MLflow's copies,
    named by its ids, left out)."""
    import keras  # noqa: PLC0415 - TensorFlow only once the runs are done

    return {
        name: keras.models.load_model(path, compile=False).get_weights()
        for name, path in _output_files(project, "*.keras")
        if "09_tracking" not in path.parts
    }


def run(revision: str, folder: Path, params: str, scratch: Path) -> Path:
    project = _export(revision, scratch / revision.replace("/", "_"))
    environment = os.environ | {
        "DO_NOT_TRACK": "1",
        "KEDRO_DISABLE_TELEMETRY": "1",
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }
    overrides = ",".join(filter(None, [f"raw_image_dir={folder}", params]))
    subprocess.run(
        [sys.executable, "-m", "kedro", "run", "--params", overrides],
        cwd=project,
        env=environment,
        check=True,
        capture_output=True,
    )
    return project


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="the revision to compare with")
    parser.add_argument("--after", default="HEAD")
    parser.add_argument("--folder", type=Path, default=PROJECT / "data/01_raw/demo")
    parser.add_argument("--params", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        projects = [
            run(revision, args.folder.resolve(), args.params, Path(scratch) / side)
            for side, revision in (("b", args.before), ("a", args.after))
        ]
        before, after = (_outputs(project) for project in projects)
        weights = [_model_weights(project) for project in projects]
        pages = [_pages_without_images(project) for project in projects]
    skipped = sorted(
        name for name in before | after if any(mark in name for mark in CLOCK_OR_MACHINE)
    )
    compared = sorted(set(before) & set(after) - set(skipped))
    different = [name for name in compared if before[name] != after[name]]
    only = sorted((set(before) ^ set(after)) - set(skipped))
    print(f"{args.folder.name}: {args.before} vs {args.after}")
    print(f"identical: {len(compared) - len(different)} of {len(compared)} files")
    print("different: " + (", ".join(different) or "none"))
    for name in different:
        if name in pages[0] and pages[0][name] == pages[1].get(name):
            print(f"  {name}: the same but for its embedded images")
    print("in one run only: " + (", ".join(only) or "none"))
    print(f"not compared byte for byte (clock or machine): {len(skipped)} files")
    for name in sorted(set(weights[0]) | set(weights[1])):
        first, second = weights[0].get(name, []), weights[1].get(name, [])
        same = len(first) == len(second) > 0 and all(
            np.array_equal(a, b) for a, b in zip(first, second, strict=True)
        )
        print(f"model {name}: weights {'identical' if same else 'different'}")


if __name__ == "__main__":
    main()
