"""The files Pillow and TensorFlow disagreed on, through validation and packing: what
validation says of each and how far the packed pixels are from the picture it holds.

Each file holds a known RGB picture (a smooth gradient with a bright square); it is
written in one of the modes below, validated by ``inspect_images``, packed by
``pack_images`` at the picture's own size, and the packed pixels are compared with the
picture. The table prints the status, the decoder's notes, the mean brightness of the
packed pixels beside the picture's, and the largest difference of any pixel.

    python benchmarks/decode_modes.py
"""

from __future__ import annotations

import io
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from image_classification.core.params.packing import PackingParams
from image_classification.datasets import ImageFolderDataset
from image_classification.pipelines.data_validation.nodes import inspect_images
from image_classification.pipelines.packing.nodes import pack_images

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.core.test_decoding import _bmp_4bit, _bmp_rle8, _png_16bit_rgb

sys.path.insert(0, str(Path(__file__).parent))
from project_setup import validation_params

from tests.conftest import fixed_size

SIDE = 32


def _picture() -> np.ndarray:
    ramp = np.linspace(40, 200, SIDE)
    picture = np.stack(np.broadcast_arrays(ramp[None, :], ramp[:, None], 120.0), -1)
    picture[8:20, 8:20] = 250
    return np.rint(picture).astype(np.uint8)


def _saved(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def _cases(picture: np.ndarray) -> dict[str, tuple[bytes, np.ndarray]]:
    """File name -> (content, the RGB picture a viewer shows for it)."""
    image = Image.fromarray(picture)
    gray = image.convert("L")
    gray_rgb = np.asarray(gray.convert("RGB"))
    bits = gray.point(lambda level: 255 if level > 128 else 0).convert("1")
    palette16 = image.quantize(16)
    palette256 = image.quantize(256)
    colours256 = np.asarray(palette256.getpalette()).reshape(-1, 3)
    indices16 = np.asarray(palette16)
    colours16 = np.asarray(palette16.getpalette()[: 16 * 3]).reshape(16, 3)
    levels16 = gray_rgb[..., 0].astype(np.uint16) * 257
    exif = Image.Exif()
    exif[0x0112] = 6  # stored turned: shown turned 90 degrees clockwise
    rgba = np.dstack([picture, np.full((SIDE, SIDE), 255, np.uint8)])
    rgba[:, :8, 3] = 0
    composited = picture.copy()
    composited[:, :8] = 255
    return {
        "one_bit.bmp": (_saved(bits, "BMP"), np.asarray(bits.convert("RGB"))),
        "four_bit_palette.bmp": (
            _bmp_4bit(indices16, [tuple(c) for c in colours16]),
            np.asarray(palette16.convert("RGB")),
        ),
        "eight_bit_palette.bmp": (
            _saved(palette256, "BMP"),
            np.asarray(palette256.convert("RGB")),
        ),
        "eight_bit_palette_rle.bmp": (
            _bmp_rle8(np.asarray(palette256), [tuple(c) for c in colours256]),
            np.asarray(palette256.convert("RGB")),
        ),
        "sixteen_bit_gray.png": (_saved(Image.fromarray(levels16), "PNG"), gray_rgb),
        "sixteen_bit_rgb.png": (
            _png_16bit_rgb(picture.astype(np.uint16) * 257),
            picture,
        ),
        "exif_rotated.jpg": (
            _saved(image.rotate(90, expand=True), "JPEG", quality=95, exif=exif.tobytes()),
            picture,
        ),
        "transparent.png": (_saved(Image.fromarray(rgba, "RGBA"), "PNG"), composited),
        "cmyk.jpg": (_saved(image.convert("CMYK"), "JPEG", quality=95), picture),
    }


def main() -> None:
    picture = _picture()
    cases = _cases(picture)
    with tempfile.TemporaryDirectory() as scratch:
        for name, (content, _) in cases.items():
            (Path(scratch) / "modes" / name).parent.mkdir(exist_ok=True)
            (Path(scratch) / "modes" / name).write_bytes(content)
        listing = ImageFolderDataset(path=scratch).load()
        index, pixels = inspect_images(
            listing, ["modes"], validation_params(), fixed_size(SIDE, SIDE)
        )
        image_pack = pack_images(index, pixels, PackingParams(shard_size=4))
    paths = image_pack.index["relative_path"]
    position = dict(zip(paths, range(len(paths)), strict=True))
    print(
        f"{'file':28s} {'status':8s} {'notes':15s} {'shown':>6s} {'trained':>8s} "
        f"{'max diff':>8s}   TensorFlow's decode_image (the former training decoder)"
    )
    for name, (_, shown) in cases.items():
        row = index[index["relative_path"] == f"modes/{name}"].iloc[0]
        notes = row["decode_notes"] or "-"
        if row["status"] != "ok":
            print(f"{name:28s} {row['reason']:8s} {notes:15s}")
            continue
        trained = image_pack.images[[position[f"modes/{name}"]]][0].astype(int)
        difference = np.abs(trained - shown.astype(int)).max()
        print(
            f"{name:28s} {'ok':8s} {notes:15s} {shown.mean():6.1f} {trained.mean():8.1f} "
            f"{difference:8d}   {_tensorflow(cases[name][0], shown)}"
        )


def _tensorflow(content: bytes, shown: np.ndarray) -> str:
    import tensorflow as tf  # noqa: PLC0415 - only for the comparison column

    try:
        decoded = tf.io.decode_image(content, channels=3, expand_animations=False)
    except tf.errors.OpError as error:
        return f"fails: {error.message.split('}} ')[-1].splitlines()[0][:70]}"
    pixels = decoded.numpy().astype(int)
    if pixels.shape != shown.shape:
        return f"mean {pixels.mean():.1f}, shape {pixels.shape} (not upright)"
    return f"mean {pixels.mean():.1f}, max diff {np.abs(pixels - shown).max()}"


if __name__ == "__main__":
    main()
