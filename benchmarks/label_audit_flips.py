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

from image_classification.core.params.augmentation import AugmentationParams
from image_classification.core.params.label_audit import FilterBy, LabelAuditParams
from image_classification.core.params.training import TrainingParams
from image_classification.pipelines.label_audit.nodes import (
    predict_out_of_fold,
    rank_label_issues,
)

sys.path.insert(0, str(Path(__file__).parent))
from plant_faults import plant
from project_setup import configured, split_and_pack, validate_folder, validation_params


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--share", type=float, default=0.05)
    parser.add_argument("--quick", action="store_true", help="2 folds of 3 epochs")
    args = parser.parse_args()
    files = sum(1 for _ in args.folder.rglob("*.jpg"))
    audit = configured("label_audit", LabelAuditParams)
    if args.quick:
        audit = audit.model_copy(update={"folds": 2, "epochs": 3})
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "flipped"
        per_kind = round(files * args.share)
        manifest = plant(args.folder, copy, per_kind, seed=2, kinds=("label_flip",))
        flipped = {entry["path"] for entry in manifest}
        start = time.perf_counter()
        classes, index, _, pixels = validate_folder(copy, validation_params())
        out_of_fold = predict_out_of_fold(
            *split_and_pack(index, classes, pixels),
            classes,
            audit,
            configured("training", TrainingParams, verbose=0),
            configured("augmentation", AugmentationParams),
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
            chosen = (rule, below) == (audit.filter_by, audit.max_label_quality)
            print(
                f"{rule:22s}{below:9.2f}{len(found):9d}  {hits / len(flipped):6.0%}  "
                f"{hits / max(len(found), 1):9.0%}{' <- configured' if chosen else ''}"
            )
    accuracy = (
        out_of_fold[[f"p_{name}" for name in classes]].to_numpy().argmax(axis=1)
        == out_of_fold["label_index"].to_numpy()
    ).mean()
    print(f"out-of-fold accuracy against the given (partly flipped) labels: {accuracy:.1%}")


if __name__ == "__main__":
    main()
