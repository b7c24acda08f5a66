"""Per-file checks on hand-made files: each fault gets the right reason, never a raise."""

from __future__ import annotations

import hashlib
import io
import random

import numpy as np
import pytest
from PIL import Image, ImageFilter

from image_classification.core import inspection as checks
from image_classification.core.inspection import (
    OK,
    QUARANTINED,
    THUMBNAIL_SIDE,
    colour_stats,
    content_stats,
    inspect_file,
    level_stats,
    pixel_hash,
)


def _encoded(mode: str, fmt: str, size=(12, 10)) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, color=100 if mode in ("L", "P") else None).save(
        buffer, format=fmt
    )
    return buffer.getvalue()


def _noisy(fmt: str, size=(64, 64)) -> bytes:
    """Random pixels, so that cutting the file loses image data, not just trailers."""
    pixels = random.Random(0).randbytes(size[0] * size[1] * 3)
    buffer = io.BytesIO()
    Image.frombytes("RGB", size, pixels).save(buffer, format=fmt)
    return buffer.getvalue()


def _without_dimensions(jpeg: bytes) -> bytes:
    """A whole JPEG whose frame header says 0x0 pixels: damaged, not cut short."""
    frame = jpeg.index(b"\xff\xc0")
    return jpeg[: frame + 5] + bytes(4) + jpeg[frame + 9 :]


def _inspect(tmp_path, name: str, content: bytes, label: str = "cats", **options):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    relative = f"{label}/{name}" if label else name
    settings = {"outside_root": False, "max_pixels": 10_000_000} | options
    return inspect_file(relative, str(path), label, **settings)


def test_good_jpeg_is_recorded_with_size_mode_and_hashes(tmp_path):
    record = _inspect(tmp_path, "a.jpg", _encoded("RGB", "JPEG"))
    assert record["status"] == OK
    assert (record["format"], record["mode"], record["width"], record["height"]) == (
        "JPEG",
        "RGB",
        12,
        10,
    )
    assert len(record["content_hash"]) == 64
    assert len(record["pixel_hash"]) == 64
    assert record["converted_to_rgb"] is False


@pytest.mark.parametrize("mode", ["L", "RGBA", "P", "LA", "I;16"])
def test_non_rgb_modes_are_kept_and_marked_for_conversion(tmp_path, mode):
    record = _inspect(tmp_path, "a.png", _encoded(mode, "PNG"))
    assert record["status"] == OK
    assert record["mode"] == mode
    assert record["converted_to_rgb"] is True


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.jpg", b"", "empty_file"),
        ("text.jpg", b"not an image at all\n", "not_an_image"),
        ("png_named.jpg", _encoded("RGB", "PNG"), "extension_mismatch"),
        ("jpeg_named.png", _encoded("RGB", "JPEG"), "extension_mismatch"),
        ("cut.jpg", _noisy("JPEG")[:2000], "truncated"),
        ("cut.png", _noisy("PNG")[:2000], "truncated"),
        ("cut_in_header.jpg", _noisy("JPEG")[:20], "truncated"),
        ("cut_in_header.gif", _noisy("GIF")[:300], "truncated"),
        ("cut.bmp", _noisy("BMP")[:2000], "truncated"),
        ("broken_header.jpg", _without_dimensions(_noisy("JPEG")), "unreadable"),
        ("letter.jpg", b"BMW service notes\n", "not_an_image"),
        ("notes.txt", b"hello", "unsupported_extension"),
        ("cut.webp", _noisy("WEBP")[:2000], "truncated"),
        ("webp_named.jpg", _encoded("RGB", "WEBP"), "extension_mismatch"),
    ],
)
def test_bad_files_are_quarantined_with_their_reason(tmp_path, name, content, reason):
    record = _inspect(tmp_path, name, content)
    assert (record["status"], record["reason"]) == (QUARANTINED, reason)
    assert record["detail"]


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("phone.webp", "WEBP"), ("scan.tif", "TIFF"), ("scan.TIFF", "TIFF")],
)
def test_webp_and_tiff_are_images_like_any_other(tmp_path, name, fmt):
    record = _inspect(tmp_path, name, _noisy(fmt, size=(40, 30)))
    assert record["status"] == OK, record.get("detail")
    assert (record["format"], record["width"], record["height"]) == (fmt, 40, 30)


def test_a_heic_photo_is_quarantined_with_how_to_convert_it(tmp_path):
    record = _inspect(tmp_path, "IMG_0001.HEIC", b"\x00\x00\x00\x18ftypheic")
    assert (record["status"], record["reason"]) == (QUARANTINED, "unsupported_extension")
    assert "iPhone's HEIC photo" in record["detail"]
    assert "convert it to JPEG" in record["detail"]


def test_a_damaged_image_gets_the_same_detail_on_every_run(tmp_path):
    first = _inspect(tmp_path, "a.jpg", _without_dimensions(_noisy("JPEG")))
    second = _inspect(tmp_path, "b.jpg", _without_dimensions(_noisy("JPEG")))
    assert first["detail"] == second["detail"]


def test_hidden_files_and_files_outside_class_folders_are_reported(tmp_path):
    hidden = _inspect(tmp_path, ".DS_Store", b"\x00\x01")
    assert (hidden["status"], hidden["reason"]) == (QUARANTINED, "hidden_file")
    loose = _inspect(tmp_path, "loose.jpg", _encoded("RGB", "JPEG"), label="")
    assert (loose["status"], loose["reason"]) == (QUARANTINED, "outside_class_folder")


def test_missing_file_is_unreadable_not_an_exception(tmp_path):
    record = inspect_file("cats/gone.jpg", str(tmp_path / "gone.jpg"), "cats", False, 100)
    assert (record["status"], record["reason"]) == (QUARANTINED, "unreadable")


def test_pixel_hash_ignores_encoding_but_not_pixels(tmp_path):
    image = Image.new("RGB", (8, 8), (10, 200, 30))
    png, bmp = io.BytesIO(), io.BytesIO()
    image.save(png, format="PNG")
    image.save(bmp, format="BMP")
    as_png = _inspect(tmp_path, "a.png", png.getvalue())
    as_bmp = _inspect(tmp_path, "a.bmp", bmp.getvalue())
    other = _inspect(tmp_path, "b.png", _encoded("RGB", "PNG", (8, 8)))
    assert as_png["pixel_hash"] == as_bmp["pixel_hash"]
    assert as_png["content_hash"] != as_bmp["content_hash"]
    assert other["pixel_hash"] != as_png["pixel_hash"]


def test_cmyk_jpeg_is_kept_and_converted(tmp_path):
    record = _inspect(tmp_path, "print.jpg", _encoded("CMYK", "JPEG"))
    assert (record["status"], record["mode"], record["converted_to_rgb"]) == (
        "ok",
        "CMYK",
        True,
    )


def test_images_above_the_pixel_limit_are_refused_before_decoding(tmp_path):
    content = _encoded("RGB", "PNG", (100, 100))
    bomb = _inspect(tmp_path, "big.png", content, max_pixels=9_999)
    assert (bomb["status"], bomb["reason"]) == (QUARANTINED, "decompression_bomb")
    assert "max_pixels" in bomb["detail"]
    assert _inspect(tmp_path, "fine.png", content, max_pixels=10_000)["status"] == OK


def test_max_pixels_is_the_one_pixel_limit(tmp_path, monkeypatch):
    """Pillow's own limit follows ``max_pixels``: a lower default of Pillow's does not
    refuse what the setting allows, and what Pillow refuses names the setting."""
    content = _encoded("RGB", "PNG", (100, 100))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    assert _inspect(tmp_path, "allowed.png", content, max_pixels=10_000)["status"] == OK
    refused = _inspect(tmp_path, "refused.png", content, max_pixels=4_000)
    assert refused["reason"] == "decompression_bomb"
    assert "data_validation.max_pixels (4000)" in refused["detail"]
    assert Image.MAX_IMAGE_PIXELS == 100  # restored after the inspection


def test_links_outside_the_folder_are_refused(tmp_path):
    record = _inspect(tmp_path, "link.jpg", _encoded("RGB", "JPEG"), outside_root=True)
    assert (record["status"], record["reason"]) == (QUARANTINED, "outside_root")


def test_frames_are_counted(tmp_path):
    frames = [Image.new("RGB", (8, 8), (i * 80, 0, 0)) for i in range(3)]
    animated = io.BytesIO()
    frames[0].save(animated, format="GIF", save_all=True, append_images=frames[1:])
    assert _inspect(tmp_path, "anim.gif", animated.getvalue())["frames"] == 3
    assert _inspect(tmp_path, "still.gif", _encoded("RGB", "GIF"))["frames"] == 1


def _stats(image: Image.Image) -> dict:
    return content_stats(image.convert("RGB"))


def test_exposure_statistics_separate_dark_normal_and_light_images():
    rng = np.random.default_rng(0)
    normal = Image.fromarray(rng.integers(0, 256, (40, 40, 3), dtype=np.uint8))
    dark = Image.fromarray(rng.integers(0, 30, (40, 40, 3), dtype=np.uint8))
    light = Image.fromarray(rng.integers(235, 256, (40, 40, 3), dtype=np.uint8))
    assert _stats(dark)["brightness_high"] < 0.15 < _stats(normal)["brightness_high"]
    assert _stats(light)["brightness_low"] > 0.9 > _stats(normal)["brightness_low"]


def test_blank_image_has_no_information_and_no_sharpness():
    blank = _stats(Image.new("RGB", (50, 30), (120, 120, 120)))
    assert blank["entropy"] == 0
    assert blank["sharpness"] == 0
    rng = np.random.default_rng(1)
    busy = _stats(Image.fromarray(rng.integers(0, 256, (50, 30, 3), dtype=np.uint8)))
    assert busy["entropy"] > 5


def test_blur_lowers_sharpness():
    rng = np.random.default_rng(2)
    sharp = Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8))
    blurred = sharp.filter(ImageFilter.GaussianBlur(2))
    assert _stats(blurred)["sharpness"] < 0.1 * _stats(sharp)["sharpness"]


def test_colour_statistics_tell_gray_from_colourful_and_warm_from_cold():
    rng = np.random.default_rng(5)
    noise = rng.integers(0, 256, (30, 20, 3), dtype=np.uint8)
    shifted = noise.astype(int) + np.array([40, 0, -40])
    images = {
        "gray": np.full((30, 20, 3), 120, np.uint8),
        "colourful": noise,
        "muted": (noise * 0.2 + 100).astype(np.uint8),
        "warm": np.clip(shifted, 0, 255).astype(np.uint8),
        "cold": np.clip(255 - shifted, 0, 255).astype(np.uint8),
        "small": noise[:5, :7],  # another shape, measured apart
    }
    stats = dict(zip(images, colour_stats(list(images.values())), strict=True))
    assert stats["gray"] == {"colourfulness": 0.0, "warmth": 0.0}
    assert stats["colourful"]["colourfulness"] > 3 * stats["muted"]["colourfulness"] > 0
    assert stats["warm"]["warmth"] > 0.2 > -0.2 > stats["cold"]["warmth"]
    assert stats["small"] == colour_stats([images["small"]])[0]


def test_an_inspected_file_has_its_colour_with_or_without_training_pixels(tmp_path):
    path = tmp_path / "red.png"
    Image.new("RGB", (90, 60), (200, 40, 40)).save(path)
    for size in (None, (16, 16)):
        record = inspect_file("red.png", str(path), "a", False, 10**8, size)
        assert record["warmth"] == pytest.approx(160 / 255, abs=1e-3)
        assert record["colourfulness"] == pytest.approx(0.21, abs=0.01)  # 0.3 x mean


def test_thumbnail_is_a_small_grayscale_copy():
    stats = _stats(Image.new("RGB", (300, 200), (255, 255, 255)))
    assert len(stats["thumbnail"]) == THUMBNAIL_SIDE**2
    assert set(stats["thumbnail"]) == {255}


def test_statistics_measured_together_equal_those_measured_one_by_one():
    """``level_stats`` stacks arrays of one shape: mixed shapes keep their order."""
    rng = np.random.default_rng(3)
    shapes = [(32, 32), (20, 48), (32, 32), (2, 5), (20, 48), (32, 32)]
    luminances = [rng.integers(0, 256, shape, dtype=np.uint8) for shape in shapes]
    luminances[2] = np.full((32, 32), 77, np.uint8)
    together = level_stats(luminances)
    assert together == [level_stats([levels])[0] for levels in luminances]
    assert together[2] == {
        "brightness_low": round(77 / 255, 4),
        "brightness_high": round(77 / 255, 4),
        "entropy": 0.0,
        "sharpness": 0.0,
    }
    assert together[3]["sharpness"] == 0.0  # too small for a Laplacian


def test_the_pixel_hash_read_in_strips_is_the_hash_of_all_the_bytes(monkeypatch):
    image = Image.fromarray(
        np.random.default_rng(4).integers(0, 256, (37, 11, 3), np.uint8)
    )
    whole = hashlib.sha256(b"11x37:" + image.tobytes()).hexdigest()
    assert pixel_hash(image) == whole
    monkeypatch.setattr(checks, "HASH_STRIP_BYTES", 100)  # three rows a strip
    assert pixel_hash(image) == whole
