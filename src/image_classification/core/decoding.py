"""The one decoder: file bytes to the RGB uint8 pixels every stage sees.

Validation checks, hashes and thumbnails these pixels; training learns from them, the
figures and the notebook show them. One function for all of them, because two
decoders disagree on ordinary files (TensorFlow reads 8-bit palette BMPs as gray
indices, cannot read 1-bit BMPs, ignores EXIF orientation; Pillow's ``convert("RGB")``
clips 16-bit gray to white). Pillow decodes; this module fixes what its plain
conversion gets wrong and says what it did, so validation can report it.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import fsspec
import numpy as np
from PIL import Image, ImageOps

# Transparent pixels are composited on white, as image viewers and browsers show them.
BACKGROUND = (255, 255, 255)
# Longest side of an image in a figure: a grid cell is a few hundred pixels at most.
FIGURE_SIDE = 256
# EXIF orientation 1 is "as stored"; 2 to 8 mirror and/or rotate.
_EXIF_ORIENTATION = 0x0112
_HIGH_BIT_GRAY = {"I;16", "I;16L", "I;16B", "I;16N", "I"}
_WITH_ALPHA = {"LA", "La", "PA", "RGBA", "RGBa"}
_PNG_BIT_DEPTH_OFFSET = 24  # 8-byte signature, IHDR length, type, width, height


class UndecodableImageError(Exception):
    """Pillow opened the file but its pixels cannot be turned into RGB correctly."""


@dataclass(frozen=True)
class DecodedImage:
    """What a file holds, as trained on.

    Attributes:
        rgb: The first frame, upright, RGB with 8 bits per channel.
        format: Pillow's name of the file format (``JPEG``, ``PNG``...).
        mode: The mode as stored (``P``, ``I;16``, ``RGBA``...), before conversion.
        frames: Frames in the file; only the first is decoded.
        notes: What was done to reach RGB that a user may want to know:
            ``exif_rotated``, ``high_bit_depth`` (scaled to 8 bits), ``transparent``
            (composited on ``BACKGROUND``).
    """

    rgb: Image.Image
    format: str
    mode: str
    frames: int
    notes: tuple[str, ...]


def open_image(content: bytes) -> Image.Image:
    """Pillow's lazy view of ``content``: format, mode and size, no pixels decoded yet.

    Pillow's own decompression-bomb warning is silenced: callers apply their own limit
    (``data_validation.max_pixels``) before ``decode``.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        return Image.open(io.BytesIO(content))


def decode(image: Image.Image, content: bytes = b"") -> DecodedImage:
    """Turn an opened image into upright RGB uint8 pixels.

    The first frame of an animation; the EXIF orientation applied; 1-bit, gray and
    palette images through Pillow's conversion (palette colours, not indices); 16-bit
    gray scaled to 8 bits (``round(v * 255 / 65535)``: Pillow's ``convert`` clips it
    to white); transparency composited on ``BACKGROUND``. Pillow reads 16-bit RGB PNGs
    as 8 bits by keeping the high byte (at most one level from rounding).

    Args:
        image: From ``open_image``; it is read here, and is itself the result when
            it is already upright RGB (no copy): do not close it while in use.
        content: The file's bytes, to read the bit depth a PNG header declares.

    Raises:
        UndecodableImageError: A mode with no faithful RGB conversion.
        OSError, SyntaxError, ValueError...: Pillow's errors on broken data.
    """
    frames = getattr(image, "n_frames", 1)
    image.seek(0)
    image.load()
    notes = []
    orientation = image.getexif().get(_EXIF_ORIENTATION, 1)
    if orientation in range(2, 9):
        image = ImageOps.exif_transpose(image)
        notes.append("exif_rotated")
    stored_mode = image.mode
    if stored_mode in _HIGH_BIT_GRAY or _png_bit_depth(content) == 16:
        notes.append("high_bit_depth")
    rgba = None
    if stored_mode in _WITH_ALPHA or "transparency" in image.info:
        rgba = image.convert("RGBA")
        if rgba.getchannel("A").getextrema()[0] < 255:
            notes.append("transparent")
    rgb = _to_rgb(image, stored_mode, rgba)
    return DecodedImage(rgb, image.format or "", stored_mode, frames, tuple(notes))


def _to_rgb(image: Image.Image, mode: str, rgba: Image.Image | None) -> Image.Image:
    if mode in _HIGH_BIT_GRAY:
        levels = np.asarray(image).astype(np.float64)
        if levels.min() < 0 or levels.max() > 65535:
            raise UndecodableImageError(f"mode {mode} holds values outside 16 bits")
        gray = np.rint(levels * (255 / 65535)).astype(np.uint8)
        return Image.fromarray(gray, "L").convert("RGB")
    if rgba is not None:
        background = Image.new("RGBA", rgba.size, (*BACKGROUND, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    if mode == "RGB":
        return image
    try:
        return image.convert("RGB")
    except ValueError as error:
        raise UndecodableImageError(f"mode {mode} has no RGB conversion") from error


def _png_bit_depth(content: bytes) -> int | None:
    if content.startswith(b"\x89PNG\r\n\x1a\n") and len(content) > _PNG_BIT_DEPTH_OFFSET:
        return content[_PNG_BIT_DEPTH_OFFSET]
    return None


def resized_pixels(
    rgb: Image.Image, image_size: Sequence[int], fit: str = "squash"
) -> np.ndarray:
    """``rgb`` as a uint8 ``(height, width, 3)`` array of ``image_size``.

    Bilinear with Pillow's antialiasing (its filter widens when shrinking), the
    resampling the training pipeline has always used; an image already of that size
    is returned as is. ``fit`` says what happens to an image of another shape:
    ``squash`` stretches it whole, ``crop`` keeps its centre at the size's shape,
    ``pad`` keeps it whole and fills the sides with black. Keras' ``Resizing`` with
    ``crop_to_aspect_ratio`` or ``pad_to_aspect_ratio`` does the same, so the serving
    model fits images as validation did.
    """
    height, width = image_size
    if rgb.size != (width, height):
        if fit == "crop":
            rgb = ImageOps.fit(rgb, (width, height), Image.Resampling.BILINEAR)
        elif fit == "pad":
            rgb = ImageOps.pad(rgb, (width, height), Image.Resampling.BILINEAR)
        else:
            rgb = rgb.resize((width, height), Image.Resampling.BILINEAR)
    return np.asarray(rgb, dtype=np.uint8)


def decode_file(path: str, image_size: Sequence[int] | None = None) -> np.ndarray:
    """The pixels of one validated file, for figures and notebooks: RGB uint8, resized
    to ``image_size`` when given."""
    with fsspec.open(path, "rb") as file:
        content = file.read()
    rgb = decode(open_image(content), content).rgb
    return np.asarray(rgb) if image_size is None else resized_pixels(rgb, image_size)


def thumbnail_file(path: str, side: int = FIGURE_SIDE) -> np.ndarray:
    """A validated file as RGB uint8 at most ``side`` pixels a side (aspect kept), for
    figures. A large JPEG is decoded reduced (Pillow's ``draft``: the decoder scales
    the DCT down by up to 8, to no less than ``side``), so a grid of 12-megapixel
    photos costs a few MB and seconds, not hundreds of MB and a minute."""
    with fsspec.open(path, "rb") as file:
        content = file.read()
    image = open_image(content)
    image.draft(image.mode, (side, side))
    rgb = decode(image, content).rgb
    rgb.thumbnail((side, side), Image.Resampling.BILINEAR)
    return np.asarray(rgb)
