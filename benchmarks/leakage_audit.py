"""Recall and precision of cross-split twin detection: validation's near duplicates
and the leakage audit, side by side on the same planted set.

A random 70% of the folder is the training split, the rest validation/test. For each
transform, ``--per-transform`` training images are copied into validation/test
transformed: a 10-25% crop resized back, a horizontal flip, colour jitter (hue +-20
of 256, saturation and brightness x0.6-1.4 / x0.7-1.3), a rotation of up to 10
degrees, JPEG at quality 30, and a combination of two of them. Every file, planted
ones included, is decoded by validation's own inspection, and both run as the
pipeline's nodes. Validation looks only for copies that keep their framing: the
re-framed, mirrored and rotated ones are the audit's to find.
Recall: planted copies whose original is flagged with them. Precision: flagged
cross-split pairs that are planted; the folders hold real twins of their own, which
count against both methods here. Photos work the same way: ``--folder`` a folder of
photos (the copies are planted at the photos' size).

    python benchmarks/leakage_audit.py [--folder PATH] [--per-transform N] [--seed S]
        [--misses PNG] [--unplanted PNG] [--flagged PNG]

``--misses`` draws the planted copies the audit did not find beside their originals
(the kinds of twins it still misses); ``--unplanted`` draws a random sample of 30 of
the flagged pairs that were not planted, ``--flagged`` every one of them (to judge
each by eye), to look at what the precision counts as false.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image, ImageEnhance

from image_classification.core.decoding import thumbnail_file
from image_classification.core.inspection import (
    OK,
    inspect_files,
)
from image_classification.core.params.data_validation import DataValidationParams
from image_classification.core.params.leakage_audit import LeakageAuditParams
from image_classification.figures import image_grid
from image_classification.pipelines.data_validation.nodes import find_near_duplicates
from image_classification.pipelines.leakage_audit.nodes import find_cross_split_twins

sys.path.insert(0, str(Path(__file__).parent))
from project_setup import configured, same_photo_params

DEFAULT_FOLDER = Path(__file__).resolve().parents[2] / "shared/datasets/cifar10-sample"


def _crop(image: Image.Image, rng) -> Image.Image:
    width, height = image.size
    keep = 1 - rng.uniform(0.10, 0.25)
    side_x, side_y = round(width * keep), round(height * keep)
    left = rng.integers(0, width - side_x + 1)
    top = rng.integers(0, height - side_y + 1)
    box = (left, top, left + side_x, top + side_y)
    return image.crop(box).resize((width, height), Image.Resampling.BILINEAR)


def _flip(image: Image.Image, rng) -> Image.Image:
    return image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)


def _jitter(image: Image.Image, rng) -> Image.Image:
    hsv = np.asarray(image.convert("HSV")).astype(int)
    hsv[..., 0] = (hsv[..., 0] + rng.integers(-20, 21)) % 256
    image = Image.fromarray(hsv.astype(np.uint8), "HSV").convert("RGB")
    image = ImageEnhance.Color(image).enhance(rng.uniform(0.6, 1.4))
    return ImageEnhance.Brightness(image).enhance(rng.uniform(0.7, 1.3))


def _rotate(image: Image.Image, rng) -> Image.Image:
    return image.rotate(rng.uniform(-10, 10), resample=Image.Resampling.BILINEAR)


def _jpeg(image: Image.Image, rng) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=30)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


SINGLE = {
    "crop": _crop,
    "flip": _flip,
    "jitter": _jitter,
    "rotate": _rotate,
    "jpeg30": _jpeg,
}


def _planted(folder: Path, scratch: Path, per: int, seed: int):
    """Listing rows (relative path, path, label, False, False), the split of each row,
    and planted copy -> original row."""
    rng = np.random.default_rng(seed)
    files = sorted(folder.glob("*/*.*"))
    split = np.where(rng.random(len(files)) < 0.7, "train", "eval")
    rows = [
        (f"{p.parent.name}/{p.name}", str(p), p.parent.name, False, False) for p in files
    ]
    sources = rng.choice(np.flatnonzero(split == "train"), per * (len(SINGLE) + 1), False)
    planted = {}
    for number, source in enumerate(sources):
        kind = ([*SINGLE, "combo"])[number // per]
        image = Image.open(files[source]).convert("RGB")
        steps = rng.choice(list(SINGLE), 2, replace=False) if kind == "combo" else [kind]
        for step in steps:
            image = SINGLE[step](image, rng)
        label = files[source].parent.name
        path = scratch / label / f"planted-{kind}-{number:05d}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        image.save(path)
        planted[len(rows)] = (source, kind)
        rows.append((f"{label}/{path.name}", str(path), label, False, False))
    return rows, np.concatenate([split, ["eval"] * len(planted)]), planted


def _score(pairs: set[tuple[int, int]], split, planted) -> dict:
    cross = {(a, b) for a, b in pairs if {split[a], split[b]} == {"train", "eval"}}
    cross = {(b, a) if split[a] == "train" else (a, b) for a, b in cross}  # (eval, train)
    found = {copy for copy, original in cross if planted.get(copy, (None,))[0] == original}
    recall = {}
    for kind in [*SINGLE, "combo"]:
        copies = [copy for copy, (_, k) in planted.items() if k == kind]
        recall[kind] = sum(copy in found for copy in copies) / max(len(copies), 1)
    precision = len(found) / len(cross) if cross else float("nan")
    return {
        "recall": recall,
        "precision": precision,
        "flagged": len(cross),
        "missed": sorted(set(planted) - found),
        "unplanted": sorted(
            (copy, original)
            for copy, original in cross
            if planted.get(copy, (None,))[0] != original
        ),
    }


def _draw_pairs(path: Path, pairs: list, labels: list[str], title: str, rows) -> None:
    """Each ``(validation/test row, training row)`` pair side by side, labelled, at up
    to 128 pixels a side (enough to tell two photos apart by eye)."""
    image_grid(
        [
            [thumbnail_file(rows[train][1], 128), thumbnail_file(rows[query][1], 128)]
            for query, train in pairs
        ],
        labels,
        title,
        cell_titles=[[rows[train][0], rows[query][0]] for query, train in pairs],
    ).savefig(path, dpi=100)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument("--per-transform", type=int, default=150)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--misses", type=Path, help="PNG of the copies the audit missed")
    parser.add_argument(
        "--unplanted",
        type=Path,
        help="PNG of 30 random pairs the audit flagged that were not planted",
    )
    parser.add_argument(
        "--flagged", type=Path, help="PNG of every flagged pair that was not planted"
    )
    args = parser.parse_args()
    if not args.folder.is_dir():
        sys.exit(f"{args.folder} is not a folder")
    with tempfile.TemporaryDirectory() as scratch:
        _benchmark(args, Path(scratch))


def _benchmark(args: argparse.Namespace, scratch: Path) -> None:
    validation = configured("data_validation", DataValidationParams)
    audit = configured("leakage_audit", LeakageAuditParams)
    rows, split, planted = _planted(args.folder, scratch, args.per_transform, args.seed)
    records = inspect_files(rows, validation.max_pixels, (32, 32))
    usable = np.array([r["status"] == OK for r in records])
    assert usable.all(), "every file of the benchmark decodes"
    print(
        f"{len(rows):,} files, {int((split == 'train').sum()):,} train, "
        f"{len(planted):,} planted copies ({args.per_transform} per transform)"
    )

    paths = [row[0] for row in rows]
    position = {path: number for number, path in enumerate(paths)}
    start = time.perf_counter()
    found = find_near_duplicates(
        pd.DataFrame(records).assign(relative_path=paths), validation, same_photo_params()
    )
    near_seconds = time.perf_counter() - start
    near = _score(
        {
            (position[a], position[b])
            for a, b in zip(found["first"], found["second"], strict=True)
        },
        split,
        planted,
    )

    manifest = pd.DataFrame(
        {
            "relative_path": paths,
            "label": [row[2] for row in rows],
            "split": np.where(split == "train", "train", "test"),
        }
    )
    detail = pd.DataFrame(
        {
            "relative_path": paths,
            "detail_thumbnail": [r["detail_thumbnail"] for r in records],
        }
    )
    del records
    start = time.perf_counter()
    twins, scope = find_cross_split_twins(detail, manifest, audit, same_photo_params())
    audit_seconds = time.perf_counter() - start
    ours = _score(
        {
            (position[query], position[train])
            for query, train in zip(
                twins["relative_path"], twins["train_relative_path"], strict=True
            )
        },
        split,
        planted,
    )
    print(
        f"audit compared at {scope['alignment_resolution']}"
        + (f" and {scope['detail_resolution']}" if scope["detail_resolution"] else "")
    )
    print(f"{'transform':<10} {'near duplicates':>17} {'leakage audit':>14}")
    for kind in [*SINGLE, "combo"]:
        print(f"{kind:<10} {near['recall'][kind]:>17.1%} {ours['recall'][kind]:>14.1%}")
    print(f"{'precision':<10} {near['precision']:>17.1%} {ours['precision']:>14.1%}")
    print(f"{'flagged':<10} {near['flagged']:>17,} {ours['flagged']:>14,}")
    unplanted = len(near["unplanted"]), len(ours["unplanted"])
    print(f"{'unplanted':<10} {unplanted[0]:>17,} {unplanted[1]:>14,}")
    print(f"{'seconds':<10} {near_seconds:>17.1f} {audit_seconds:>14.1f}")
    _draw(args, ours, planted, rows)


def _draw(args: argparse.Namespace, ours: dict, planted: dict, rows: list) -> None:
    """The figures asked for: misses, a sample of the unplanted flags, all of them."""
    if args.misses:
        shown = ours["missed"][:24]
        _draw_pairs(
            args.misses,
            [(copy, planted[copy][0]) for copy in shown],
            [planted[copy][1] for copy in shown],
            f"Missed copies ({len(shown)} of {len(ours['missed'])})",
            rows,
        )
        print(f"missed copies drawn in {args.misses}")
    unplanted = ours["unplanted"]
    if args.unplanted:
        rng = np.random.default_rng(args.seed)
        chosen = sorted(rng.choice(len(unplanted), min(30, len(unplanted)), False))
        shown = [unplanted[i] for i in chosen]
        _draw_pairs(
            args.unplanted,
            shown,
            [rows[query][2] for query, _ in shown],
            f"Flagged, not planted ({len(shown)} of {len(unplanted)})",
            rows,
        )
        print(f"flagged pairs that were not planted drawn in {args.unplanted}")
    if args.flagged:
        _draw_pairs(
            args.flagged,
            unplanted,
            [f"{number}: {rows[query][2]}" for number, (query, _) in enumerate(unplanted)],
            f"Every flagged pair that was not planted ({len(unplanted)})",
            rows,
        )
        print(f"every unplanted flagged pair drawn in {args.flagged}")


if __name__ == "__main__":
    main()
