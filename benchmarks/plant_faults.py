"""Copy an image folder and plant known faults in the copy, with a manifest of each one.

Kinds planted, N of each (source files drawn with a seed; the source folder is only read):

- file faults, made as the demo makes them (``demo_images.faulty_file``):
  ``empty_file`` (0 bytes), ``truncated`` (first half of a JPEG), ``not_an_image``
  (text named .jpg), ``extension_mismatch`` (PNG named .jpg);
- near duplicates, added as new files next to their source: ``jpeg_reencode``
  (quality 70), ``resize`` (to 3/4 of the size), ``brightness`` (x1.15), ``shift`` (one
  pixel to the right);
- ``label_flip``: a file moved to another class folder.

    python benchmarks/plant_faults.py SOURCE DESTINATION --per-kind 20
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance

from image_classification.demo_images import faulty_file

FILE_FAULTS = ("empty_file", "truncated", "not_an_image", "extension_mismatch")
NEAR_DUPLICATES = ("jpeg_reencode", "resize", "brightness", "shift")


def _encoded(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def _shifted(image: Image.Image) -> Image.Image:
    pixels = np.asarray(image)
    moved = np.roll(pixels, 1, axis=1)
    moved[:, :1] = pixels[:, :1]
    return Image.fromarray(moved)


NEAR_DUPLICATE_MAKERS = {
    "jpeg_reencode": lambda image: _encoded(image, "JPEG", quality=70),
    "resize": lambda image: _encoded(
        image.resize(
            (image.width * 3 // 4, image.height * 3 // 4), Image.Resampling.BICUBIC
        ),
        "JPEG",
        quality=95,
    ),
    "brightness": lambda image: _encoded(
        ImageEnhance.Brightness(image).enhance(1.15), "JPEG", quality=95
    ),
    "shift": lambda image: _encoded(_shifted(image), "JPEG", quality=95),
}


def plant(
    source: Path, destination: Path, per_kind: int, seed: int, kinds: tuple[str, ...]
) -> list[dict]:
    """Copy ``source`` to ``destination`` and plant ``per_kind`` faults of each kind.

    Returns:
        One manifest entry per planted file: ``kind``, ``path`` (relative to
        ``destination``) and, for near duplicates and flips, ``source``.
    """
    shutil.copytree(source, destination)
    files = sorted(
        p.relative_to(destination).as_posix() for p in destination.rglob("*.jpg")
    )
    classes = sorted({path.split("/")[0] for path in files})
    rng = np.random.default_rng(seed)
    chosen = iter(rng.permutation(files))
    manifest = []
    for kind in kinds:
        for index in range(per_kind):
            original = next(chosen)
            target = destination / original
            label = original.split("/")[0]
            if kind in FILE_FAULTS:
                image = Image.open(target).convert("RGB")
                target.write_bytes(faulty_file(kind, image))
                manifest.append({"kind": kind, "path": original})
            elif kind in NEAR_DUPLICATES:
                image = Image.open(target).convert("RGB")
                copy = f"{label}/planted_{kind}_{index:03d}.jpg"
                (destination / copy).write_bytes(NEAR_DUPLICATE_MAKERS[kind](image))
                manifest.append({"kind": kind, "path": copy, "source": original})
            elif kind == "label_flip":
                others = [name for name in classes if name != label]
                new_label = others[int(rng.integers(len(others)))]
                flipped = f"{new_label}/flipped_{index:03d}_{Path(original).name}"
                target.rename(destination / flipped)
                manifest.append(
                    {"kind": kind, "path": flipped, "source": original, "true_label": label}
                )
            else:
                raise ValueError(f"unknown kind {kind!r}")
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("destination", type=Path, help="must not exist")
    parser.add_argument("--per-kind", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    kinds = (*FILE_FAULTS, *NEAR_DUPLICATES, "label_flip")
    manifest = plant(args.source, args.destination, args.per_kind, args.seed, kinds)
    out = args.destination.with_name(args.destination.name + "_planted.json")
    out.write_text(json.dumps(manifest, indent=2) + "\n")


if __name__ == "__main__":
    main()
