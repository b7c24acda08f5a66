"""Per-file checks: each file is read and decoded exactly once, here.

The extension table lists the formats the project takes (JPEG, PNG, BMP, GIF);
anything else is quarantined now, with its path and reason. Decoding is the project's
one decoder (``core.decoding``), so the pixels checked here are the pixels trained on;
the same decode yields the content statistics the quality flags and the near-duplicate
search use.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np
from PIL import Image, ImageFilter, UnidentifiedImageError

from image_classification.core.decoding import (
    DecodedImage,
    UndecodableImageError,
    decode,
    open_image,
    resized_pixels,
)
from image_classification.core.storage import fetch_objects

FORMAT_BY_EXTENSION = {
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".png": "PNG",
    ".bmp": "BMP",
    ".gif": "GIF",
    ".webp": "WEBP",
    ".tif": "TIFF",
    ".tiff": "TIFF",
}
# Formats phones and cameras write that Pillow does not decode, with what to do.
UNDECODED_FORMATS = {
    ".heic": "an iPhone's HEIC photo",
    ".heif": "a HEIF photo",
    ".avif": "an AVIF image",
}
# Signatures at the start of a file, to tell a cut or damaged image from other content.
_SIGNATURES = {
    b"\xff\xd8\xff": "JPEG",
    b"\x89PNG\r\n\x1a\n": "PNG",
    b"GIF87a": "GIF",
    b"GIF89a": "GIF",
    b"II*\x00": "TIFF",
    b"MM\x00*": "TIFF",
}
OK = "ok"
QUARANTINED = "quarantined"
# Exposure, information and sharpness are measured on a thumbnail of at most this side,
# so that a 32x32 icon and a 12-megapixel photo are judged on the same scale.
STATS_SIDE = 64
# Side of the RGB thumbnail the colour statistics are measured on where an inspection
# makes no training pixels.
COLOUR_SIDE = 32
# Side of the grayscale thumbnail kept for the near-duplicate search, and its smoothing
# in pixels: enough that sensor noise and JPEG artefacts stop counting as differences.
THUMBNAIL_SIDE = 32
THUMBNAIL_SMOOTHING = 1.0
# Largest side of the grayscale thumbnail kept for the same-photo test's detail stage
# (validation's near duplicates, the leakage audit's twins): at 96 pixels two garments
# on one floor differ in their folds and seams; no image is enlarged for it (a 32x32
# image keeps 32).
DETAIL_SIDE = 96
# Bytes of pixels hashed at a time.
HASH_STRIP_BYTES = 16 * 2**20
# Objects requested at once from object storage: enough to hide each request's latency,
# few enough that a group of large photos stays small in memory.
_FETCH_GROUP = 32

_EMPTY_STATS = {
    "frames": None,
    "brightness_low": None,
    "brightness_high": None,
    "entropy": None,
    "sharpness": None,
    "colourfulness": None,
    "warmth": None,
    "thumbnail": None,
    "detail_thumbnail": None,
}


def content_stats(image: Image.Image) -> dict[str, Any]:
    """Exposure, information, sharpness and a small thumbnail of a decoded image.

    Returns:
        ``brightness_low``/``brightness_high``: the 1st and 99th percentile of the
        luminance in [0, 1] (a dark image has even its brightest pixels dark);
        ``entropy``: bits of the 256-level luminance histogram (0 for a blank image);
        ``sharpness``: variance of the Laplacian of the luminance (low when blurry);
        ``thumbnail``: ``THUMBNAIL_SIDE`` squared bytes of smoothed grayscale.
    """
    levels, thumbnail = _luminance(image)
    return level_stats([levels])[0] | {"thumbnail": thumbnail}


def _luminance(image: Image.Image) -> tuple[np.ndarray, bytes]:
    """The luminance at most ``STATS_SIDE`` a side, and the smoothed thumbnail."""
    gray = image.convert("L")
    small = gray
    if max(gray.size) > STATS_SIDE:  # else ``thumbnail`` would only copy it
        small = gray.copy()
        small.thumbnail((STATS_SIDE, STATS_SIDE), Image.Resampling.BOX)
    thumbnail = gray
    if gray.size != (THUMBNAIL_SIDE, THUMBNAIL_SIDE):
        thumbnail = gray.resize(
            (THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.BILINEAR, reducing_gap=2.0
        )
    smooth = thumbnail.filter(ImageFilter.GaussianBlur(THUMBNAIL_SMOOTHING))
    return np.asarray(small), smooth.tobytes()


def colour_stats(pixels: Sequence[np.ndarray]) -> list[dict[str, float]]:
    """How colourful and how warm each image is, from its RGB pixels (the training
    pixels, or a ``COLOUR_SIDE`` thumbnail): a new camera, white balance or light
    shows here when the luminance does not. Measured by shape (``_measured_by_shape``).

    Returns:
        ``colourfulness``: Hasler and Suesstrunk's measure on [0, 1] channels (0 for
        a gray image; the spread and the mean of the red-green and yellow-blue
        opponent channels); ``warmth``: the mean of red minus blue, in [-1, 1].
    """
    return _measured_by_shape(pixels, _colour_stack_stats)


def _colour_stack_stats(stack: np.ndarray) -> list[dict[str, float]]:
    count = len(stack)
    red, green, blue = np.moveaxis(stack.astype(np.float32) / 255, -1, 0)
    red_green = (red - green).reshape(count, -1)
    yellow_blue = ((red + green) / 2 - blue).reshape(count, -1)
    spread = np.hypot(red_green.std(axis=1), yellow_blue.std(axis=1))
    mean = np.hypot(red_green.mean(axis=1), yellow_blue.mean(axis=1))
    warmth = (red - blue).reshape(count, -1).mean(axis=1)
    return [
        {
            "colourfulness": round(float(spread[i] + 0.3 * mean[i]), 4),
            "warmth": round(float(warmth[i]), 4),
        }
        for i in range(count)
    ]


def _measured_by_shape(
    arrays: Sequence[np.ndarray], measure: Callable[[np.ndarray], list[dict]]
) -> list[dict[str, float]]:
    """``measure`` of each array, in their order: arrays of one shape (all of them in
    a folder of one image size) are stacked and measured together, since per image
    numpy's call overhead cost more than the arithmetic."""
    stats: list[dict[str, float]] = [{} for _ in arrays]
    by_shape: dict[tuple[int, ...], list[int]] = {}
    for position, array in enumerate(arrays):
        by_shape.setdefault(array.shape, []).append(position)
    for positions in by_shape.values():
        stack = np.stack([arrays[position] for position in positions])
        for position, values in zip(positions, measure(stack), strict=True):
            stats[position] = values
    return stats


def _colour_thumbnail(rgb: Image.Image) -> np.ndarray:
    """The RGB pixels at most ``COLOUR_SIDE`` a side, where no training pixels are
    made: means are exact at any size, spreads comparable within a folder."""
    if max(rgb.size) > COLOUR_SIDE:
        side = (COLOUR_SIDE, COLOUR_SIDE)
        rgb = rgb.resize(side, Image.Resampling.BOX, reducing_gap=2.0)
    return np.asarray(rgb)


def detail_thumbnail(image: Image.Image) -> bytes:
    """Square grayscale bytes of the image at ``DETAIL_SIDE`` a side, or at its
    shorter side where that is less, unsmoothed: what the same-photo test compares
    when 32 pixels are too coarse to tell two photos apart (``core.same_photo``)."""
    side = min(DETAIL_SIDE, image.width, image.height)
    gray = image.convert("L")
    if gray.size != (side, side):
        gray = gray.resize((side, side), Image.Resampling.BILINEAR, reducing_gap=2.0)
    return gray.tobytes()


def level_stats(luminances: Sequence[np.ndarray]) -> list[dict[str, float]]:
    """``content_stats``' numbers for many luminance arrays at once, in their order,
    measured by shape (``_measured_by_shape``)."""
    return _measured_by_shape(luminances, _stack_stats)


def _stack_stats(stack: np.ndarray) -> list[dict[str, float]]:
    count, height, width = stack.shape
    size = height * width
    offsets = (np.arange(count, dtype=np.int64) * 256)[:, None, None]
    histograms = np.bincount((stack + offsets).ravel(), minlength=256 * count)
    histograms = histograms.reshape(count, 256)
    cumulative = np.cumsum(histograms, axis=1) / size
    shares = histograms / size
    with np.errstate(divide="ignore", invalid="ignore"):
        entropy = np.where(shares > 0, -shares * np.log2(shares), 0.0).sum(axis=1)
    luminance = stack.astype(np.float32) / 255
    # 5-point Laplacian on the inner pixels: plain slicing, no per-call filter setup.
    laplacian = (
        luminance[:, 1:-1, :-2]
        + luminance[:, 1:-1, 2:]
        + luminance[:, :-2, 1:-1]
        + luminance[:, 2:, 1:-1]
        - 4 * luminance[:, 1:-1, 1:-1]
    )
    sharpness = (
        laplacian.reshape(count, -1).var(axis=1) if laplacian.size else np.zeros(count)
    )
    # The first level whose cumulative share reaches 1% and 99%.
    low = (cumulative < 0.01).sum(axis=1)
    high = (cumulative < 0.99).sum(axis=1)
    return [
        {
            "brightness_low": round(int(low[i]) / 255, 4),
            "brightness_high": round(int(high[i]) / 255, 4),
            "entropy": round(float(entropy[i]), 4),
            "sharpness": round(float(sharpness[i]), 6),
        }
        for i in range(count)
    ]


def pixel_hash(rgb: Image.Image) -> str:
    """SHA-256 of the size and the RGB bytes, read in strips of rows: one copy of a
    large image's bytes would double its memory (243 MB more for 9000x9000)."""
    digest = hashlib.sha256(f"{rgb.width}x{rgb.height}:".encode())
    rows = max(1, HASH_STRIP_BYTES // (3 * rgb.width))
    for top in range(0, rgb.height, rows):
        strip = rgb.crop((0, top, rgb.width, min(top + rows, rgb.height)))
        digest.update(strip.tobytes())
    return digest.hexdigest()


def _unsupported(extension: str) -> str:
    known = ", ".join(FORMAT_BY_EXTENSION)
    if extension in UNDECODED_FORMATS:
        return (
            f"'{extension}' is {UNDECODED_FORMATS[extension]}, which this pipeline "
            f"does not decode: convert it to JPEG (macOS Preview or `sips -s format "
            f"jpeg`, `heif-convert`, or the phone's 'Most Compatible' camera format)"
        )
    return f"'{extension}' is not one of {known}"


def _begins_as(content: bytes) -> str | None:
    """The image format whose signature ``content`` starts with, if any; a BMP by "BM"
    and its four reserved zero bytes (the two letters alone often begin text)."""
    if content[:2] == b"BM":
        return "BMP" if content[6:10] == bytes(4) else None
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "WEBP"
    return next((fmt for sig, fmt in _SIGNATURES.items() if content.startswith(sig)), None)


def _ends_early(image_format: str, content: bytes) -> bool:
    """A JPEG without its end-of-image marker, a PNG without its IEND chunk, a GIF
    without its trailer, a BMP or WebP shorter than its header says (a TIFF's
    directory may lie anywhere: Pillow's own error tells)."""
    if image_format == "TIFF":
        return False
    if image_format == "WEBP":
        return int.from_bytes(content[4:8], "little") + 8 > len(content)
    if image_format == "JPEG":
        return b"\xff\xd9" not in content
    if image_format == "PNG":
        return b"IEND" not in content
    if image_format == "GIF":
        return not content.endswith(b";")
    return int.from_bytes(content[2:6], "little") > len(content)


def _decoding_failure(content: bytes, error: Exception) -> tuple[str, str]:
    """Reason and detail for content Pillow could not decode.

    Pillow's message alone misleads: a JPEG or GIF cut inside its header fails with
    "cannot identify", as text does, and text that begins with "BM" fails as a
    truncated BMP. Content without the signature of a format the loader takes is
    ``not_an_image``; an image cut before its format's end is ``truncated``; else it
    is ``unreadable``.
    """
    begins_as = _begins_as(content)
    if begins_as is None:
        return "not_an_image", "no image format recognised in the content"
    if _ends_early(begins_as, content):
        return "truncated", (
            f"begins as {begins_as} but ends after {len(content)} bytes, "
            "before the image is complete"
        )
    if "truncated" in str(error).lower():
        return "truncated", str(error)
    # Pillow's "cannot identify" message names an object address: not reproducible.
    cause = (
        "Pillow cannot identify it"
        if isinstance(error, UnidentifiedImageError)
        else f"{type(error).__name__}: {error}"
    )
    return "unreadable", f"cannot decode this {begins_as}: {cause}"


class InspectedChunk(NamedTuple):
    """What a worker hands back for a run of listing rows, compact to send and hold:
    the index columns (one list per column, no dict per file), the pixels as one
    ``(files, height, width, 3)`` array (zeros where a file did not decode) and which
    files did."""

    columns: dict[str, list]
    pixels: np.ndarray
    decoded: np.ndarray


def inspect_chunk(
    rows: Sequence[tuple[str, str, str, bool, bool]],
    max_pixels: int,
    image_size: Sequence[int],
    fit: str = "squash",
) -> InspectedChunk:
    """``inspect_files`` on ``rows``, as an ``InspectedChunk``."""
    records = inspect_files(rows, max_pixels, image_size, fit)
    pixels = np.zeros((len(records), *image_size, 3), np.uint8)
    decoded = np.zeros(len(records), bool)
    for position, record in enumerate(records):
        if (image := record.pop("pixels", None)) is not None:
            pixels[position], decoded[position] = image, True
    columns = {name: [record[name] for record in records] for name in records[0]}
    return InspectedChunk(columns, pixels, decoded)


def inspect_files(
    rows: Sequence[tuple[str, str, str, bool, bool]],
    max_pixels: int,
    image_size: Sequence[int] | None = None,
    fit: str = "squash",
) -> list[dict[str, Any]]:
    """``inspect_file`` on listing rows (relative path, path, label, outside root,
    invalid name): the
    unit of work a worker process takes. The content statistics of the decoded files
    are measured together at the end (``level_stats``, ``colour_stats``).

    ``max_pixels`` is the one pixel limit: Pillow's own (it refuses images over twice
    its ``MAX_IMAGE_PIXELS`` while reading the header) is set from it meanwhile, so that a
    limit above Pillow's default still holds and the message names the setting.
    ``image_size`` and ``fit``: see ``core.decoding.resized_pixels``.
    """
    pillow_limit, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, max_pixels
    records = []
    try:
        for start in range(0, len(rows), _FETCH_GROUP):
            group = rows[start : start + _FETCH_GROUP]
            fetched = fetch_objects([row[1] for row in group])
            records += [
                _inspected_file(row, max_pixels, (image_size, fit), fetched.get(row[1]))
                for row in group
            ]
    finally:
        Image.MAX_IMAGE_PIXELS = pillow_limit
    decoded = [record for record in records if "luminance" in record]
    stats = level_stats([record.pop("luminance") for record in decoded])
    colours = colour_stats(
        [
            record.pop("colour_pixels") if "colour_pixels" in record else record["pixels"]
            for record in decoded
        ]
    )
    for record, values, colour in zip(decoded, stats, colours, strict=True):
        record.update(values | colour)
    return records


def inspect_file(  # noqa: PLR0917 - the listing row by position, then the limits
    relative_path: str,
    path: str,
    label: str,
    outside_root: bool,
    max_pixels: int,
    image_size: Sequence[int] | None = None,
    invalid_name: bool = False,
) -> dict[str, Any]:
    """Read, hash and decode one file; never raises for a bad file.

    Args:
        relative_path: Path inside the image folder, ``<class>/<file>``.
        path: Where to read the file.
        label: Class folder the file is in (``""`` at the root).
        outside_root: The path is a link that resolves outside the image folder.
        max_pixels: Larger images are refused as decompression bombs before decoding.
        image_size: ``(height, width)`` to keep the decoded pixels at, for training.
        invalid_name: The name is not valid UTF-8 (``relative_path`` shows it escaped).

    Returns:
        One image-index row: size, format, mode, frames, width, height, hashes, content
        statistics, whether it is converted to RGB for training, ``decode_notes``,
        ``status`` and, when quarantined, ``reason`` and ``detail``. With
        ``image_size``, a decoded file's row also holds ``pixels``: uint8 ``(height,
        width, 3)``, what training will learn from.
    """
    row = (relative_path, path, label, outside_root, invalid_name)
    return inspect_files([row], max_pixels, image_size)[0]


def _inspected_file(
    row: tuple[str, str, str, bool, bool],
    max_pixels: int,
    training_size: tuple[Sequence[int] | None, str],
    fetched: bytes | Exception | None = None,
) -> dict[str, Any]:
    """``inspect_file`` of a listing row, with the luminance in place of the
    statistics. ``training_size``: the image size and fit of the pixels kept.
    ``fetched``: the object's bytes (or the error reading it) where the file lies on
    object storage."""
    relative_path, path, label, outside_root, invalid_name = row
    record = _blank_record(relative_path, path, label)

    def quarantine(reason: str, detail: str) -> dict[str, Any]:
        return record | {"status": QUARANTINED, "reason": reason, "detail": detail}

    if fault := _name_fault(relative_path, label, outside_root, invalid_name):
        return quarantine(*fault)
    extension = os.path.splitext(relative_path.rsplit("/", 1)[-1])[1].lower()
    expected_format = FORMAT_BY_EXTENSION.get(extension)
    if expected_format is None:
        return quarantine("unsupported_extension", _unsupported(extension))
    try:
        content = _file_bytes(path, fetched)
    except OSError as error:
        return quarantine("unreadable", f"cannot read the file: {error.strerror or error}")
    record["file_size"] = len(content)
    record["content_hash"] = hashlib.sha256(content).hexdigest()
    if not content:
        return quarantine("empty_file", "the file has 0 bytes")
    decoded = _decoded(record, content, max_pixels)
    if isinstance(decoded, tuple):
        return quarantine(*decoded)
    _measure(record, decoded, training_size)
    if record["format"] != expected_format:
        return quarantine(
            "extension_mismatch",
            f"content is {record['format']} but the extension '{extension}' says "
            f"{expected_format}",
        )
    return record


def _blank_record(relative_path: str, path: str, label: str) -> dict[str, Any]:
    """Every column of a file's row, before anything was read."""
    return {
        "relative_path": relative_path,
        "path": path,
        "label": label,
        "file_size": None,
        "format": None,
        "mode": None,
        "width": None,
        "height": None,
        "content_hash": None,
        "pixel_hash": None,
        "converted_to_rgb": False,
        "decode_notes": None,
        **_EMPTY_STATS,
        "status": OK,
        "reason": None,
        "detail": None,
    }


def _name_fault(
    relative_path: str, label: str, outside_root: bool, invalid_name: bool
) -> tuple[str, str] | None:
    """The reason and detail of a file quarantined for where it lies or how it is
    named, before it is read. Plain string work: pathlib's parsing cost more per file
    than reading it."""
    if relative_path.endswith("/"):
        return "empty_class_folder", "a class folder without any file"
    if invalid_name:
        return (
            "invalid_file_name",
            "the name is not valid UTF-8 (shown with \\x escapes): rename it",
        )
    if outside_root:
        return (
            "outside_root",
            "reached through a link that leads outside the image folder: move it in, "
            "or list the link's target in the raw_images dataset's allowed_link_targets",
        )
    if any(part.startswith(".") for part in relative_path.split("/")):
        return "hidden_file", "hidden or system file: image loaders skip it"
    if not label:
        return "outside_class_folder", "lies in the root, not in a class folder"
    return None


def _file_bytes(path: str, fetched: bytes | Exception | None) -> bytes:
    """The file's bytes: fetched already from object storage, or read from disk.

    Raises:
        OSError: The file or object could not be read.
    """
    if isinstance(fetched, OSError):
        raise fetched
    if isinstance(fetched, Exception):  # a client's own error type
        raise OSError(str(fetched)) from fetched
    if fetched is None:
        with open(path, "rb") as file:
            return file.read()
    return fetched


def _decoded(
    record: dict[str, Any], content: bytes, max_pixels: int
) -> DecodedImage | tuple[str, str]:
    """The decoded image, its header fields written into ``record``; or the reason
    and detail of a file that cannot be decoded."""
    try:
        image = open_image(content)
        with image:
            record.update(format=image.format, mode=image.mode)
            record.update(width=image.width, height=image.height)
            record["frames"] = getattr(image, "n_frames", 1)
            if image.width * image.height > max_pixels:
                return (
                    "decompression_bomb",
                    f"{image.width}x{image.height} pixels exceed "
                    f"data_validation.max_pixels ({max_pixels})",
                )
            return decode(image, content)
    except Image.DecompressionBombError:
        return (
            "decompression_bomb",
            f"more than twice data_validation.max_pixels ({max_pixels}) pixels",
        )
    except UndecodableImageError as error:
        return "unsupported_mode", str(error)
    except Exception as error:  # Pillow raises OSError, SyntaxError... on broken data
        return _decoding_failure(content, error)


def _measure(
    record: dict[str, Any],
    decoded: DecodedImage,
    training_size: tuple[Sequence[int] | None, str],
) -> None:
    """What the decoded pixels give the record: size, hashes, thumbnails, the
    luminance and colour pixels measured later in a batch, the training pixels."""
    rgb = decoded.rgb
    record.update(width=rgb.width, height=rgb.height, decode_notes=";".join(decoded.notes))
    record["pixel_hash"] = pixel_hash(rgb)
    record["converted_to_rgb"] = record["mode"] != "RGB"
    record["luminance"], record["thumbnail"] = _luminance(rgb)
    record["detail_thumbnail"] = detail_thumbnail(rgb)
    image_size, fit = training_size
    if image_size is not None:
        record["pixels"] = resized_pixels(rgb, image_size, fit)
    else:
        record["colour_pixels"] = _colour_thumbnail(rgb)
