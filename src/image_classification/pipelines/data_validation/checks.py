"""Per-file checks: each file is read and decoded exactly once, here.

The extension table lists the formats the training input pipeline can decode
(``tf.io.decode_image``: JPEG, PNG, BMP, GIF); anything else is quarantined now, with
its path and reason, instead of stopping ``fit`` mid-epoch later.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path, PurePosixPath
from typing import Any

from PIL import Image, UnidentifiedImageError

FORMAT_BY_EXTENSION = {
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".png": "PNG",
    ".bmp": "BMP",
    ".gif": "GIF",
}
OK = "ok"
QUARANTINED = "quarantined"


def inspect_file(relative_path: str, path: str, label: str) -> dict[str, Any]:
    """Read, hash and decode one file; never raises for a bad file.

    Args:
        relative_path: Path inside the image folder, ``<class>/<file>``.
        path: Where to read the file.
        label: Class folder the file is in (``""`` at the root).

    Returns:
        One image-index row: size, format, mode, width, height, hashes, whether it is
        converted to RGB for training, ``status`` and, when quarantined, ``reason`` and
        ``detail``.
    """
    record: dict[str, Any] = {
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
        "status": OK,
        "reason": None,
        "detail": None,
    }

    def quarantine(reason: str, detail: str) -> dict[str, Any]:
        return record | {"status": QUARANTINED, "reason": reason, "detail": detail}

    parts = PurePosixPath(relative_path).parts
    if any(part.startswith(".") for part in parts):
        return quarantine("hidden_file", "hidden or system file: image loaders skip it")
    if not label:
        return quarantine("outside_class_folder", "lies in the root, not in a class folder")
    extension = PurePosixPath(relative_path).suffix.lower()
    expected_format = FORMAT_BY_EXTENSION.get(extension)
    if expected_format is None:
        known = ", ".join(FORMAT_BY_EXTENSION)
        return quarantine("unsupported_extension", f"'{extension}' is not one of {known}")
    try:
        content = Path(path).read_bytes()
    except OSError as error:
        return quarantine("unreadable", f"cannot read the file: {error.strerror or error}")
    record["file_size"] = len(content)
    record["content_hash"] = hashlib.sha256(content).hexdigest()
    if not content:
        return quarantine("empty_file", "the file has 0 bytes")
    try:
        with Image.open(io.BytesIO(content)) as image:
            record.update(format=image.format, mode=image.mode)
            record.update(width=image.width, height=image.height)
            image.load()
            pixels = image.convert("RGB").tobytes()
    except UnidentifiedImageError:
        return quarantine("not_an_image", "no image format recognised in the content")
    except Image.DecompressionBombError as error:
        return quarantine("decompression_bomb", str(error))
    except OSError as error:
        if "truncated" in str(error).lower():
            return quarantine("truncated", str(error))
        return quarantine("unreadable", f"cannot decode: {error}")
    except Exception as error:  # Pillow raises SyntaxError, ValueError... on broken data
        return quarantine("unreadable", f"cannot decode: {type(error).__name__}: {error}")
    size_tag = f"{record['width']}x{record['height']}:".encode()
    record["pixel_hash"] = hashlib.sha256(size_tag + pixels).hexdigest()
    record["converted_to_rgb"] = record["mode"] != "RGB"
    if record["format"] != expected_format:
        return quarantine(
            "extension_mismatch",
            f"content is {record['format']} but the extension '{extension}' says "
            f"{expected_format}",
        )
    return record
