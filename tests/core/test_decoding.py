"""The one decoder on the modes real folders hold: the pixels, not just "no error"."""

from __future__ import annotations

import io
import struct
import zlib

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from image_classification.core.decoding import (
    BACKGROUND,
    UndecodableImageError,
    decode,
    decode_file,
    open_image,
    resized_pixels,
    thumbnail_file,
)

# Four colours in four quadrants of an 8x8 image: a swap, a transpose or gray indices
# all show.
QUADRANTS = [(200, 30, 30), (30, 200, 30), (30, 30, 200), (230, 230, 40)]


def _quadrant_rgb() -> np.ndarray:
    image = np.zeros((8, 8, 3), np.uint8)
    for index, colour in enumerate(QUADRANTS):
        row, column = divmod(index, 2)
        image[row * 4 : row * 4 + 4, column * 4 : column * 4 + 4] = colour
    return image


def _saved(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def _decoded(content: bytes):
    return decode(open_image(content), content)


def _bmp_4bit(indices: np.ndarray, palette: list[tuple[int, int, int]]) -> bytes:
    """A 4-bit palette BMP (Pillow writes none): rows bottom-up, two pixels a byte,
    each row padded to 4 bytes."""
    height, width = indices.shape
    row_bytes = ((width + 1) // 2 + 3) // 4 * 4
    rows = b""
    for row in indices[::-1]:
        padded = np.append(row, 0) if width % 2 else row
        packed = bytes((int(a) << 4) | int(b) for a, b in padded.reshape(-1, 2))
        rows += packed.ljust(row_bytes, b"\0")
    colours = b"".join(bytes((b, g, r, 0)) for r, g, b in palette).ljust(64, b"\0")
    offset = 14 + 40 + 64
    header = struct.pack("<2sIHHI", b"BM", offset + len(rows), 0, 0, offset)
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 4, 0, len(rows), 0, 0, 16, 0)
    return header + info + colours + rows


def _bmp_rle8(indices: np.ndarray, palette: list[tuple[int, int, int]]) -> bytes:
    """An 8-bit palette BMP compressed with run lengths (Pillow writes none): per row,
    bottom-up, (count, index) runs, then end of line; end of bitmap last."""
    height, width = indices.shape
    runs = bytearray()
    for row in indices[::-1]:
        start = 0
        while start < width:
            end = start
            while end < width and row[end] == row[start] and end - start < 255:
                end += 1
            runs += bytes((end - start, int(row[start])))
            start = end
        runs += b"\0\0"
    runs += b"\0\1"
    colours = b"".join(bytes((b, g, r, 0)) for r, g, b in palette).ljust(1024, b"\0")
    offset = 14 + 40 + 1024
    header = struct.pack("<2sIHHI", b"BM", offset + len(runs), 0, 0, offset)
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 8, 1, len(runs), 0, 0, 256, 0)
    return header + info + colours + bytes(runs)


def _png_16bit_rgb(levels: np.ndarray) -> bytes:
    """A 16-bit RGB PNG, written chunk by chunk (Pillow writes none)."""
    height, width, _ = levels.shape
    raw = b"".join(b"\0" + row.astype(">u2").tobytes() for row in levels)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def test_rgb_png_is_returned_unchanged_with_no_notes():
    decoded = _decoded(_saved(Image.fromarray(_quadrant_rgb()), "PNG"))
    assert np.array_equal(np.asarray(decoded.rgb), _quadrant_rgb())
    assert decoded.notes == ()
    assert (decoded.format, decoded.mode, decoded.frames) == ("PNG", "RGB", 1)


def test_one_bit_bmp_decodes_to_black_and_white():
    bits = np.indices((8, 8)).sum(axis=0) % 2 == 0
    decoded = _decoded(_saved(Image.fromarray(bits).convert("1"), "BMP"))
    assert decoded.mode == "1"
    expected = np.repeat((bits * 255).astype(np.uint8)[..., None], 3, axis=2)
    assert np.array_equal(np.asarray(decoded.rgb), expected)


def test_palette_bmps_decode_to_their_palette_colours_not_their_indices():
    indices = np.zeros((8, 8), np.uint8)
    indices[:4, 4:], indices[4:, :4], indices[4:, 4:] = 1, 2, 3
    eight_bit = Image.fromarray(indices, "P")
    eight_bit.putpalette([level for colour in QUADRANTS for level in colour])
    for content in (
        _saved(eight_bit, "BMP"),
        _bmp_rle8(indices, QUADRANTS),
        _bmp_4bit(indices, QUADRANTS),
    ):
        decoded = _decoded(content)
        assert decoded.mode == "P"
        assert np.array_equal(np.asarray(decoded.rgb), _quadrant_rgb())


def test_sixteen_bit_gray_is_scaled_to_eight_bits_not_clipped_to_white():
    levels = np.array([[0, 257, 32896, 65535]], np.uint16).repeat(4, axis=0)
    decoded = _decoded(_saved(Image.fromarray(levels), "PNG"))
    assert decoded.mode == "I;16"
    assert "high_bit_depth" in decoded.notes
    assert np.array_equal(np.asarray(decoded.rgb)[0, :, 0], [0, 1, 128, 255])
    assert np.array_equal(np.asarray(decoded.rgb)[..., 0], np.asarray(decoded.rgb)[..., 2])


def test_sixteen_bit_rgb_is_within_one_level_of_rounding():
    levels = np.random.default_rng(0).integers(0, 65536, (4, 4, 3)).astype(np.uint16)
    decoded = _decoded(_png_16bit_rgb(levels))
    assert "high_bit_depth" in decoded.notes
    rounded = np.rint(levels / 257)
    assert np.abs(np.asarray(decoded.rgb).astype(int) - rounded).max() <= 1


@pytest.mark.parametrize("mode", ["RGBA", "LA"])
def test_transparency_is_composited_on_the_background(mode):
    rgba = np.zeros((4, 4, 4), np.uint8)
    rgba[..., :3] = 40
    rgba[:2, ..., 3] = 255  # top half opaque dark gray, bottom half fully transparent
    image = Image.fromarray(rgba, "RGBA").convert(mode)
    decoded = _decoded(_saved(image, "PNG"))
    assert decoded.notes == ("transparent",)
    pixels = np.asarray(decoded.rgb)
    assert (pixels[:2] == 40).all()
    assert (pixels[2:] == BACKGROUND).all()


def test_palette_with_a_transparent_index_is_composited():
    indices = np.array([[0, 1], [1, 0]], np.uint8)
    image = Image.fromarray(indices, "P")
    image.putpalette([10, 20, 30, 250, 0, 0])
    decoded = _decoded(_saved(image, "PNG", transparency=1))
    assert decoded.notes == ("transparent",)
    assert np.array_equal(
        np.asarray(decoded.rgb), [[(10, 20, 30), BACKGROUND], [BACKGROUND, (10, 20, 30)]]
    )


def test_opaque_alpha_is_not_reported_as_transparent():
    image = Image.fromarray(_quadrant_rgb()).convert("RGBA")
    decoded = _decoded(_saved(image, "PNG"))
    assert decoded.notes == ()
    assert np.array_equal(np.asarray(decoded.rgb), _quadrant_rgb())


def test_cmyk_jpeg_decodes_to_rgb_colours():
    cyan_magenta_yellow_black = [(255, 0, 0, 0), (0, 255, 0, 0), (0, 0, 255, 0)]
    blocks = np.concatenate(
        [np.full((16, 16, 4), colour, np.uint8) for colour in cyan_magenta_yellow_black],
        axis=1,
    )
    decoded = _decoded(_saved(Image.fromarray(blocks, "CMYK"), "JPEG", quality=95))
    assert decoded.mode == "CMYK"
    centres = np.asarray(decoded.rgb)[8, [8, 24, 40]].astype(int)
    expected = np.array([(0, 255, 255), (255, 0, 255), (255, 255, 0)])
    assert np.abs(centres - expected).max() <= 8


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_exif_orientation_is_applied_and_reported(fmt):
    stored = np.zeros((8, 16, 3), np.uint8)
    stored[:, :8] = 255  # left half white, as stored: wide
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    content = _saved(Image.fromarray(stored), fmt, exif=exif.tobytes())
    decoded = _decoded(content)
    assert decoded.notes == ("exif_rotated",)
    upright = np.asarray(decoded.rgb).astype(int)
    assert upright.shape == (16, 8, 3)  # tall once turned
    # Turned clockwise, the stored left half lies on top.
    assert upright[:6].min() >= 230
    assert upright[10:].max() <= 25


def test_an_animation_gives_its_first_frame_and_its_frame_count():
    frames = [Image.new("RGB", (4, 4), colour) for colour in QUADRANTS[:3]]
    content = _saved(frames[0], "GIF", save_all=True, append_images=frames[1:])
    decoded = _decoded(content)
    assert decoded.frames == 3
    assert (np.asarray(decoded.rgb) == QUADRANTS[0]).all()


def test_a_mode_without_rgb_conversion_is_refused():
    # 32-bit integers beyond 16 bits: no faithful scale to 8 bits is known.
    image = Image.fromarray(np.zeros((2, 2), np.int32), "I")
    image.putpixel((0, 0), 2**20)
    with pytest.raises(UndecodableImageError, match="outside 16 bits"):
        decode(image)


def test_resizing_keeps_an_image_of_its_size_and_resamples_as_tensorflow_did():
    """Pillow's bilinear widens its filter when shrinking, as ``tf.image.resize(...,
    antialias=True)`` (the training pipeline's resampling before) does: within one level."""
    assert np.array_equal(
        resized_pixels(Image.fromarray(_quadrant_rgb()), (8, 8)), _quadrant_rgb()
    )
    rng = np.random.default_rng(0)
    for shape in [(64, 48), (20, 30), (300, 200)]:
        coarse = rng.integers(0, 256, (shape[0] // 4, shape[1] // 4, 3), np.uint8)
        image = Image.fromarray(coarse).resize(shape[::-1], Image.Resampling.BICUBIC)
        ours = resized_pixels(image, (32, 32)).astype(int)
        tensorflow = tf.image.resize(np.asarray(image), (32, 32), antialias=True)
        assert np.abs(ours - np.rint(tensorflow.numpy())).max() <= 1


def test_fit_crops_the_centre_or_pads_with_black_as_keras_resizing_does():
    rng = np.random.default_rng(0)
    wide = rng.integers(0, 256, (16, 40, 3), np.uint8)
    cropped = resized_pixels(Image.fromarray(wide), (16, 16), "crop")
    np.testing.assert_array_equal(cropped, wide[:, 12:28])
    padded = resized_pixels(Image.fromarray(wide), (40, 40), "pad")
    assert (padded[:12] == 0).all() and (padded[28:] == 0).all()
    np.testing.assert_array_equal(padded[12:28], wide)
    keras_crop = keras.layers.Resizing(16, 16, crop_to_aspect_ratio=True, antialias=True)
    np.testing.assert_allclose(keras_crop(wide[None].astype("float32"))[0], cropped, atol=1)


def test_decode_file_reads_a_path_and_resizes(tmp_path):
    path = tmp_path / "quadrants.bmp"
    path.write_bytes(_saved(Image.fromarray(_quadrant_rgb()), "BMP"))
    assert np.array_equal(decode_file(str(path)), _quadrant_rgb())
    assert decode_file(str(path), (4, 2)).shape == (4, 2, 3)


def test_figures_get_a_thumbnail_decoded_reduced_from_a_large_jpeg(tmp_path):
    """A 2400x1800 photo comes back at most 256 a side, aspect kept, through the JPEG
    decoder's reduced scale, and looks like the full decode made small."""
    rng = np.random.default_rng(0)
    coarse = rng.integers(0, 256, (18, 24, 3), dtype=np.uint8)
    photo = Image.fromarray(coarse).resize((2400, 1800), Image.Resampling.BILINEAR)
    path = tmp_path / "photo.jpg"
    photo.save(path, quality=90)
    small = thumbnail_file(str(path))
    assert small.shape == (192, 256, 3)
    full = Image.open(path).convert("RGB")
    full.thumbnail((256, 256), Image.Resampling.BILINEAR)
    assert np.abs(small.astype(int) - np.asarray(full).astype(int)).mean() < 3
    tiny = tmp_path / "tiny.png"
    Image.fromarray(_quadrant_rgb()).save(tiny)
    assert np.array_equal(thumbnail_file(str(tiny)), _quadrant_rgb())  # never enlarged
