"""label_audit on a copy of an image folder with a share of labels flipped.

Plants flips with ``plant_faults.py`` (each flipped file moved to a random other class),
runs validation, the split and the label audit with the configured parameters, and
prints recall and precision of the flagged set against the flips, per cleanlab rule
(the out-of-fold probabilities are computed once), and the run time.

    python benchmarks/label_audit_flips.py --folder PATH [--share 0.05] [--quick]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import get_args

import yaml

from image_classification.datasets import ImageFolderDataset, LabelsFileDataset
from image_classification.pipelines.augmentation.params import AugmentationParams
from image_classification.pipelines.data_split.nodes import assign_splits
from image_classification.pipelines.data_split.params import DataSplitParams
from image_classification.pipelines.data_validation.nodes import (
    find_near_duplicates,
    flag_images,
    inspect_images,
    resolve_class_names,
)
from image_classification.pipelines.data_validation.params import DataValidationParams
from image_classification.pipelines.label_audit.nodes import (
    predict_out_of_fold,
    rank_label_issues,
)
from image_classification.pipelines.label_audit.params import FilterBy, LabelAuditParams
from image_classification.pipelines.training.params import TrainingParams

sys.path.insert(0, str(Path(__file__).parent))
from plant_faults import plant

CONF = Path(__file__).resolve().parents[1] / "conf" / "base"
NO_LABELS = LabelsFileDataset(labels_csv=None).load()


def _configured(group: str, model, **overrides):
    values = yaml.safe_load((CONF / f"parameters_{group}.yml").read_text())[group]
    return model(**values | overrides)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--share", type=float, default=0.05)
    parser.add_argument("--quick", action="store_true", help="2 folds of 3 epochs")
    args = parser.parse_args()
    files = sum(1 for _ in args.folder.rglob("*.jpg"))
    audit = _configured("label_audit", LabelAuditParams)
    if args.quick:
        audit = audit.model_copy(update={"folds": 2, "epochs": 3})
    validation = _configured("data_validation", DataValidationParams, classes=None)
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "flipped"
        per_kind = round(files * args.share)
        manifest = plant(args.folder, copy, per_kind, seed=2, kinds=("label_flip",))
        flipped = {entry["path"] for entry in manifest}
        start = time.perf_counter()
        listing = ImageFolderDataset(path=str(copy)).load()
        classes = resolve_class_names(listing, NO_LABELS, validation)
        inspected = inspect_images(listing, classes, validation)
        index, _, _ = flag_images(
            inspected, find_near_duplicates(inspected, validation), NO_LABELS, validation
        )
        clean = index[index["status"] == "ok"]
        manifest_split = assign_splits(
            clean, classes, _configured("data_split", DataSplitParams), seed=42
        )
        out_of_fold = predict_out_of_fold(
            manifest_split,
            classes,
            audit,
            _configured("training", TrainingParams, verbose=0),
            _configured("augmentation", AugmentationParams),
            seed=42,
        )
        seconds = time.perf_counter() - start
    print(
        f"{args.folder}: {files} images, {len(flipped)} labels flipped "
        f"({args.share:.0%}); {audit.folds} folds x {audit.epochs} epochs; "
        f"validation + split + out-of-fold training: {seconds:.0f} s"
    )
    print("rule                  quality<  flagged  recall  precision  (targets 60%, 50%)")
    for rule in get_args(FilterBy):
        for below in sorted({1.0, 0.1, 0.05, 0.02, 0.01, audit.max_label_quality}):
            update = {"filter_by": rule, "max_label_quality": below}
            suspects = rank_label_issues(
                out_of_fold, classes, audit.model_copy(update=update)
            )
            found = set(suspects["relative_path"])
            hits = len(found & flipped)
            configured = (rule, below) == (audit.filter_by, audit.max_label_quality)
            print(
                f"{rule:22s}{below:9.2f}{len(found):9d}  {hits / len(flipped):6.0%}  "
                f"{hits / max(len(found), 1):9.0%}{' <- configured' if configured else ''}"
            )
    accuracy = (
        out_of_fold[[f"p_{name}" for name in classes]].to_numpy().argmax(axis=1)
        == out_of_fold["label_index"].to_numpy()
    ).mean()
    print(f"out-of-fold accuracy against the given (partly flipped) labels: {accuracy:.1%}")


if __name__ == "__main__":
    main()
