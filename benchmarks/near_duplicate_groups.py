"""Every near-duplicate group and label conflict validation reports on a folder, drawn
to be judged by eye, and the same for the candidate search alone (what validation
reported before the same-photo test) as the baseline.

Validation runs as the pipeline runs it (the real nodes: inspection, near duplicates,
flags). The baseline keeps the candidate pairs within ``--baseline-distance`` of each
other on the smoothed 32x32 thumbnails, the bound validation used alone before.
Prints, for both: groups, files in them, pairs and label-conflict findings; and the
time of the near-duplicate search of each, alternately for ``--rounds`` rounds
(medians, and the median of the rounds' ratios).

    python benchmarks/near_duplicate_groups.py --folder PATH [--grid PNG]
        [--baseline-grid PNG] [--baseline-distance 0.25] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from image_classification.core.decoding import thumbnail_file
from image_classification.core.inspection import OK, THUMBNAIL_SIDE
from image_classification.figures import image_grid
from image_classification.pipelines.data_validation.duplicates import (
    near_duplicate_pairs,
)
from image_classification.pipelines.data_validation.nodes import (
    find_near_duplicates,
    flag_images,
)

sys.path.insert(0, str(Path(__file__).parent))
from project_setup import NO_LABELS, inspect_folder, same_photo_params, validation_params

_SHOWN_PER_GROUP = 8


def _baseline_pairs(inspected: pd.DataFrame, distance: float) -> pd.DataFrame:
    """The candidate search alone, at ``distance``: validation before the test."""
    decoded = inspected[inspected["status"] == OK]
    near = validation_params().flags.near_duplicate
    thumbnails = np.frombuffer(b"".join(decoded["thumbnail"]), np.uint8)
    found = near_duplicate_pairs(
        thumbnails.reshape(len(decoded), THUMBNAIL_SIDE, THUMBNAIL_SIDE),
        distance,
        near.neighbors,
        near.candidate_radius,
    )
    paths = decoded["relative_path"].to_numpy()
    rows = found[:, :2].astype(int)
    return pd.DataFrame(
        {
            "first": paths[rows[:, 0]],
            "second": paths[rows[:, 1]],
            "distance": found[:, 2],
            "edge_score": np.nan,
            "detail_score": np.nan,
        }
    )


def _report(name: str, inspected, pairs, seconds, *, folder, grid) -> None:
    index, findings, _ = flag_images(inspected, pairs, NO_LABELS, validation_params())
    grouped = index[index["duplicate_group"].notna()]
    sizes = grouped.groupby("duplicate_group").size()
    groups = sizes[sizes > 1].index
    conflicts = findings[findings["check"] == "near_duplicate_label_conflict"]
    members = grouped[grouped["duplicate_group"].isin(groups)]
    conflicted = set(conflicts["relative_path"])
    conflicted_groups = members.loc[
        members["relative_path"].isin(conflicted), "duplicate_group"
    ].nunique()
    print(
        f"{name}: {len(groups)} groups, {len(members)} files in them, {len(pairs)} "
        f"pairs, {len(conflicts)} label-conflict findings ({conflicted_groups} "
        f"groups); near-duplicate search {seconds:.1f} s"
    )
    if grid is None or not len(groups):
        return
    rows, labels, titles = [], [], []
    for number, (_, group) in enumerate(members.groupby("duplicate_group", sort=False)):
        shown = group.head(_SHOWN_PER_GROUP)
        rows.append(
            [thumbnail_file(str(folder / path), 128) for path in shown["relative_path"]]
        )
        conflict = " conflict" if conflicted & set(group["relative_path"]) else ""
        more = f"\n+{len(group) - len(shown)} more" if len(group) > len(shown) else ""
        labels.append(f"{number + 1}: {len(group)}{conflict}{more}")
        titles.append(
            [f"{row.label}\n{Path(row.relative_path).name}" for row in shown.itertuples()]
        )
    title = (
        f"{name}: {len(groups)} near-duplicate groups of {folder.name} "
        f"({len(members)} files, {len(conflicts)} label-conflict findings)"
    )
    image_grid(rows, labels, title, cell_titles=titles).savefig(grid, dpi=70)
    print(f"  grid: {grid}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--grid", type=Path)
    parser.add_argument("--baseline-grid", type=Path)
    parser.add_argument("--baseline-distance", type=float, default=0.25)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    params = validation_params()
    _, inspected, _ = inspect_folder(args.folder, params)
    print(f"{args.folder} ({len(inspected)} files)")
    find_near_duplicates(inspected, params, same_photo_params())  # warm Keras up
    timings = {"baseline": [], "ours": []}
    for _ in range(args.rounds):
        start = time.perf_counter()
        baseline = _baseline_pairs(inspected, args.baseline_distance)
        timings["baseline"].append(time.perf_counter() - start)
        start = time.perf_counter()
        pairs = find_near_duplicates(inspected, params, same_photo_params())
        timings["ours"].append(time.perf_counter() - start)
    baseline_seconds, seconds = (statistics.median(t) for t in timings.values())
    ratios = [ours / base for base, ours in zip(*timings.values(), strict=True)]
    _report(
        f"thumbnails alone (distance <= {args.baseline_distance})",
        inspected,
        baseline,
        baseline_seconds,
        folder=args.folder,
        grid=args.baseline_grid,
    )
    _report("validation", inspected, pairs, seconds, folder=args.folder, grid=args.grid)
    print(
        f"near-duplicate search, validation / thumbnails alone: "
        f"{statistics.median(ratios):.1f}x (median of {args.rounds} rounds), "
        f"{seconds - baseline_seconds:+.2f} s"
    )


if __name__ == "__main__":
    main()
