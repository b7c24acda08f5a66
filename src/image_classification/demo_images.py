"""Seeded generator of the bundled demo images, with planted faults.

The demo set must be learnable but not trivial, so that a small CNN trained for about a
minute lands well between chance and 100% and over- or under-fitting shows up in the
curves. Each class is a shape drawn at a random size, position, tilt, colour and
contrast on a noisy, shaded background, then shrunk to 32x32: small shapes, low
contrast and clutter make the classes overlap.

Regenerate the committed demo folder byte for byte with::

    python -m image_classification.demo_images data/01_raw/demo

The same function writes the small folders the tests use.
"""

from __future__ import annotations

import argparse
import io
import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

DEMO_CLASSES = (
    "circle",
    "ring",
    "square",
    "frame",
    "triangle",
    "plus",
    "cross",
    "horizontal_bars",
    "vertical_bars",
    "checkerboard",
)
_CANVAS = 96  # shapes are drawn large, then shrunk, for smooth anti-aliased edges


@dataclass(frozen=True)
class PlantedFault:
    """One deliberately broken or mislabeled file, as listed in the manifest."""

    path: str
    fault: str
    expected_reason: str | None
    note: str


def _background(rng: np.random.Generator, size: int) -> np.ndarray:
    """A shaded, noisy background so that colour alone never gives the class away."""
    base = rng.uniform(0, 255, size=3)
    tilt = rng.uniform(-60, 60, size=3)
    ramp = np.linspace(-0.5, 0.5, size)
    angle = rng.uniform(0, 2 * math.pi)
    field = math.cos(angle) * ramp[None, :] + math.sin(angle) * ramp[:, None]
    pixels = base + field[..., None] * tilt
    return np.clip(pixels, 0, 255)


def _draw_shape(draw: ImageDraw.ImageDraw, shape: str, box: tuple, fill, width: int):
    x0, y0, x1, y1 = box
    cx, cy, half = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2
    if shape == "circle":
        draw.ellipse(box, fill=fill)
    elif shape == "ring":
        draw.ellipse(box, outline=fill, width=width)
    elif shape == "square":
        draw.rectangle(box, fill=fill)
    elif shape == "frame":
        draw.rectangle(box, outline=fill, width=width)
    elif shape == "triangle":
        draw.polygon([(cx, y0), (x1, y1), (x0, y1)], fill=fill)
    elif shape == "plus":
        draw.rectangle((cx - width / 2, y0, cx + width / 2, y1), fill=fill)
        draw.rectangle((x0, cy - width / 2, x1, cy + width / 2), fill=fill)
    elif shape == "cross":
        draw.line((x0, y0, x1, y1), fill=fill, width=width)
        draw.line((x0, y1, x1, y0), fill=fill, width=width)
    elif shape in ("horizontal_bars", "vertical_bars"):
        step = max(int(half / 2), 4)
        for offset in range(int(-half), int(half), step):
            if shape == "horizontal_bars":
                draw.rectangle((x0, cy + offset, x1, cy + offset + step / 2), fill=fill)
            else:
                draw.rectangle((cx + offset, y0, cx + offset + step / 2, y1), fill=fill)
    elif shape == "checkerboard":
        cell = max(int(half / 2), 4)
        for i, gx in enumerate(range(int(x0), int(x1), cell)):
            for j, gy in enumerate(range(int(y0), int(y1), cell)):
                if (i + j) % 2 == 0:
                    draw.rectangle((gx, gy, gx + cell - 1, gy + cell - 1), fill=fill)
    else:
        raise ValueError(f"unknown demo shape {shape!r}")


def render_shape(shape: str, rng: np.random.Generator, size: int = 32) -> Image.Image:
    """Render one RGB image of ``shape`` with random pose, colour, clutter and noise."""
    canvas = Image.fromarray(_background(rng, _CANVAS).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(canvas)
    background_mean = np.asarray(canvas).reshape(-1, 3).mean(axis=0)
    for _ in range(rng.integers(0, 4)):  # clutter: short strokes of random colour
        points = rng.uniform(0, _CANVAS, size=4)
        colour = tuple(int(c) for c in rng.uniform(0, 255, size=3))
        draw.line(tuple(points), fill=colour, width=int(rng.integers(2, 6)))
    half = rng.uniform(0.16, 0.42) * _CANVAS
    cx, cy = rng.uniform(half, _CANVAS - half, size=2)
    contrast = rng.uniform(45, 150) * rng.choice([-1, 1], size=3)
    colour = tuple(int(c) for c in np.clip(background_mean + contrast, 0, 255))
    layer = Image.new("RGBA", canvas.size, (0, 0, 0, 0))
    _draw_shape(
        ImageDraw.Draw(layer),
        shape,
        (cx - half, cy - half, cx + half, cy + half),
        (*colour, 255),
        width=max(int(half * rng.uniform(0.25, 0.45)), 3),
    )
    layer = layer.rotate(rng.uniform(-12, 12), resample=Image.BICUBIC, center=(cx, cy))
    canvas.paste(layer, (0, 0), layer)
    small = np.asarray(canvas.resize((size, size), Image.LANCZOS), dtype=np.float64)
    noisy = small + rng.normal(0, rng.uniform(4, 28), size=small.shape)
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8), "RGB")


def _jpeg_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=92)
    return buffer.getvalue()


def _png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def write_image_folder(
    root: Path,
    *,
    classes: tuple[str, ...] = DEMO_CLASSES,
    images_per_class: int = 160,
    seed: int = 20261126,
    size: int = 32,
    plant_faults: bool = True,
    mislabeled: int = 6,
) -> list[PlantedFault]:
    """Write ``<root>/<class>/<nnnn>.jpg`` images and plant the documented faults.

    Args:
        root: Folder to create; must not exist yet, so nothing is ever overwritten.
        classes: Shape names, one folder each (see ``DEMO_CLASSES``).
        images_per_class: Good images written per class before faults are added.
        seed: Seed of the only random generator used.
        size: Side of the square images in pixels.
        plant_faults: Add the broken and mislabeled files listed in the return value.
        mislabeled: How many good images of one class to file under another.

    Returns:
        The planted faults, paths relative to ``root``.
    """
    root.mkdir(parents=True, exist_ok=False)
    rng = np.random.default_rng(seed)
    for shape in classes:
        (root / shape).mkdir()
        for index in range(images_per_class):
            image = render_shape(shape, rng, size)
            (root / shape / f"{index:04d}.jpg").write_bytes(_jpeg_bytes(image))
    if not plant_faults:
        return []
    return _plant_faults(
        root, classes, images_per_class, rng, size=size, mislabeled=mislabeled
    )


def _plant_faults(root, classes, count, rng, *, size, mislabeled) -> list[PlantedFault]:
    """File faults, a label conflict between exact duplicates and mislabeled images,
    written after the ``count`` clean images of each class, in this order (the demo's
    bytes depend on the order of the random draws)."""
    next_index = dict.fromkeys(classes, count)

    def write(label: str, content: bytes, extension: str = ".jpg") -> str:
        path = f"{label}/{next_index[label]:04d}{extension}"
        next_index[label] += 1
        (root / path).write_bytes(content)
        return path

    faults = _file_faults(write, classes[0], classes[1], rng, size)
    faults += _label_conflict(root, write, classes[0], classes[1])
    for index in range(mislabeled):
        true_label = classes[(index + 2) % len(classes)]
        given_label = classes[(index + 3) % len(classes)]
        image = render_shape(true_label, rng, size)
        faults.append(
            PlantedFault(
                write(given_label, _jpeg_bytes(image)),
                f"mislabeled: shows a {true_label}",
                None,
                "a valid image filed under the wrong class; not detected by validation",
            )
        )
    return faults


def faulty_file(kind: str, image: Image.Image) -> bytes:
    """The bytes of a file validation must quarantine as ``kind`` (``empty_file``,
    ``truncated``, ``not_an_image`` or ``extension_mismatch``), made from a valid
    ``image`` where the fault needs one: the demo and the benchmarks plant the same
    faults."""
    if kind == "empty_file":
        return b""
    if kind == "truncated":
        jpeg = _jpeg_bytes(image)
        return jpeg[: len(jpeg) // 2]
    if kind == "not_an_image":
        return b"label,notes\nthis is a text file\n"
    if kind == "extension_mismatch":
        return _png_bytes(image)  # written under a .jpg name
    raise ValueError(f"unknown file fault {kind!r}")


def _file_faults(write, first: str, second: str, rng, size) -> list[PlantedFault]:
    """Files validation must quarantine or convert, one of each kind."""
    cut = render_shape(first, rng, size)
    grey = render_shape(second, rng, size).convert("L")
    rgba = render_shape(first, rng, size).convert("RGBA")
    mismatched = render_shape(second, rng, size)
    return [
        PlantedFault(
            write(first, faulty_file("empty_file", cut)),
            "zero-byte file",
            "empty_file",
            "",
        ),
        PlantedFault(
            write(second, faulty_file("truncated", cut)),
            "truncated JPEG",
            "truncated",
            "first half of a valid JPEG",
        ),
        PlantedFault(
            write(first, faulty_file("not_an_image", cut)),
            "text file with an image extension",
            "not_an_image",
            "",
        ),
        PlantedFault(
            write(second, faulty_file("extension_mismatch", mismatched)),
            "PNG content with a .jpg extension",
            "extension_mismatch",
            "",
        ),
        PlantedFault(
            write(second, _png_bytes(grey), ".png"),
            "grayscale image",
            None,
            "kept and converted to RGB",
        ),
        PlantedFault(
            write(first, _png_bytes(rgba), ".png"),
            "RGBA image",
            None,
            "kept and converted to RGB",
        ),
    ]


def _label_conflict(root: Path, write, first: str, second: str) -> list[PlantedFault]:
    """The first image of ``first`` copied byte for byte under ``second``: both
    copies are quarantined, since their labels disagree."""
    copy = write(second, (root / first / "0000.jpg").read_bytes())
    why = "both copies are quarantined: the labels disagree"
    return [
        PlantedFault(
            copy,
            f"exact duplicate of {first}/0000.jpg filed under {second}",
            "duplicate_label_conflict",
            why,
        ),
        PlantedFault(
            f"{first}/0000.jpg",
            f"exact duplicate of {copy} filed under {first}",
            "duplicate_label_conflict",
            why,
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path, help="folder to create, e.g. data/01_raw/demo")
    parser.add_argument("--images-per-class", type=int, default=160)
    parser.add_argument("--seed", type=int, default=20261126)
    args = parser.parse_args()
    faults = write_image_folder(
        args.root, images_per_class=args.images_per_class, seed=args.seed
    )
    manifest = args.root.parent / f"{args.root.name}_faults.json"
    manifest.write_text(json.dumps([asdict(fault) for fault in faults], indent=2) + "\n")


if __name__ == "__main__":
    main()
