"""Photos that are hard to tell apart at 32x32: different dark garments of one kind
laid on one wooden floor, each shot from another spot. Real photo folders are full of
them; validation's near duplicates and the leakage audit must not call them copies."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFilter


def floor_photo(rng: np.random.Generator, side: int) -> Image.Image:
    """One wooden floor, larger than a photo of it: planks with grain."""
    columns = np.arange(side)
    planks = 150 + 40 * ((columns // (side // 9)) % 2)
    grain = 12 * np.sin(columns[:, None] * 0.9 + rng.normal(0, 0.6, (side, side)))
    return Image.fromarray(np.clip(planks[None, :] + grain, 0, 255).astype(np.uint8))


def look_alike(floor: Image.Image, rng: np.random.Generator, side: int) -> Image.Image:
    """A photo of part of the floor, shot from another spot (shifted, turned a
    little, other light and noise), with a different dark garment of one kind laid
    in the middle: its own size, shape, sleeves, folds and print."""
    turned = floor.rotate(rng.uniform(-4, 4), resample=Image.Resampling.BILINEAR)
    left, top = rng.integers(side // 5, floor.width - side - side // 5, 2)
    shot = np.asarray(turned.crop((left, top, left + side, top + side)), float)
    garment = Image.new("L", (side, side), 0)
    draw = ImageDraw.Draw(garment)
    middle = side / 2 + rng.uniform(-6, 6, 2)
    half = side * rng.uniform(0.25, 0.36, 2)
    draw.ellipse([*(middle - half), *(middle + half)], fill=255)
    sleeve = rng.uniform(5, 12)
    reach = half[0] * rng.uniform(1.2, 1.5)
    draw.rectangle(
        [middle[0] - reach, middle[1] - sleeve, middle[0] + reach, middle[1] + sleeve],
        fill=255,
    )
    garment = garment.rotate(rng.uniform(-15, 15), resample=Image.Resampling.BILINEAR)
    mask = np.asarray(garment.filter(ImageFilter.GaussianBlur(1.5)), float) / 255
    folds = Image.fromarray(rng.integers(0, 256, (side // 6, side // 6), dtype=np.uint8))
    folds = np.asarray(folds.resize((side, side), Image.Resampling.BICUBIC), float)
    fabric = 40 + 0.3 * folds + rng.normal(0, 6, (side, side))
    gray = shot * rng.uniform(0.9, 1.1) * (1 - mask) + fabric * mask
    gray += rng.normal(0, 2, (side, side))
    rgb = np.clip(np.stack([gray, gray * 0.95, gray * 0.9], axis=2), 0, 255)
    return Image.fromarray(rgb.astype(np.uint8))
