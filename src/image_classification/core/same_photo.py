"""The one test of "the same photo", for validation's near duplicates and the leakage
audit's twins alike: each finds candidate pairs its own way, and both keep a pair only
when it passes here.

A copy keeps where its light, its edges and its fine texture are; recolouring,
re-encoding, resizing and a little re-framing move none of them. So on grayscale:

1. At ``SIDE`` x ``SIDE``, the second image of the pair is aligned to the first by a
   pattern search over scale, rotation and shift on slightly blurred images (from a
   start the candidate search implies), and the pair must correlate there
   (``min_aligned_score``) and so must their band-passed images (the edges and texture,
   without the smooth shading unrelated photos share: ``min_edge_score``).
2. Where the images have more than ``SIDE`` pixels a side, at 32 pixels two garments
   laid on one floor share their outline and the floor; what tells them apart is
   finer. The alignment is refined on the larger grayscale thumbnail validation kept,
   and the band-passed images are compared tile by tile: a copy matches in most tiles,
   a look-alike only where the background is (``min_detail_score``, the score four
   tiles in five reach).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import keras
import numpy as np
import pandas as pd
from scipy.ndimage import gaussian_filter

from image_classification.core.params.same_photo import SamePhotoParams

SIDE = 32
# Pattern search: start steps (scale, angle in radians, shift y, shift x), rounds, and
# every third round the steps halve. Ranges bound what is called "the same photo".
_STEPS = np.array([0.03, np.radians(3.0), 1.0, 1.0])
_ROUNDS = 12
_SCALES = (0.6, 1.05)
_MAX_ANGLE = np.radians(15.0)
# A pair this far under min_aligned_score after the coarse rounds is not aligned
# further: the fine rounds move a correlation by hundredths, not tenths.
_PRUNING_MARGIN = 0.1
_MARGIN = 1 / 8  # share of the side left out at each border: rotation and shift fill it
_SMOOTH = 1.0  # sigma of the blur before alignment, in SIDE pixels
_BAND = (0.7, 2.0)  # sigmas of the difference of Gaussians at SIDE
# Detail: steps and rounds of the refinement (shifts in detail pixels), the band in
# detail pixels, and the tiles compared.
_DETAIL_STEPS = np.array([0.03, np.radians(2.0), 2.0, 2.0])
_DETAIL_ROUNDS = 9
_DETAIL_BAND = (0.7, 2.0)
_DETAIL_TILES = 8
_DETAIL_QUANTILE = 0.2  # the tile score that four tiles in five reach
# Edges correlating less than this at the start are not aligned: a copy's already
# agree there (of photos and of CIFAR-10 images cropped by 10%, not one in 200 scored
# under 0.45 at the best one-pixel shift of no warp), a look-alike's mostly do not,
# and the alignment costs ninety warps a pair.
START_EDGE_FLOOR = 0.45
_ALIGNMENT = ["scale", "angle_degrees", "shift_y", "shift_x"]


def _resized(gray: np.ndarray, side: int) -> np.ndarray:
    """Grayscale images ``(n, h, w)`` at ``side`` x ``side``, as float32."""
    gray = gray.astype(np.float32)
    if gray.shape[1:] == (side, side):
        return gray
    return np.asarray(
        keras.ops.image.resize(gray[..., None], (side, side), antialias=True)
    )[..., 0]


def compared_images(
    thumbnails: Sequence[bytes],
) -> tuple[np.ndarray, np.ndarray | None]:
    """Validation's grayscale thumbnails as the test compares them: at ``SIDE`` x
    ``SIDE`` (float32), and at their own larger side for the detail stage (uint8;
    ``None`` where none has more than ``SIDE`` pixels a side)."""
    finest = _stacked(thumbnails)
    return _resized(finest, SIDE), finest if finest.shape[1] > SIDE else None


def _stacked(thumbnails: Sequence[bytes]) -> np.ndarray:
    """Square grayscale thumbnails (bytes, side the square root of their length) as
    one uint8 ``(n, side, side)`` array at the largest side among them (9 KB an image
    at 96: a float copy of 50,000 photos would take 1.8 GB), each resized (by groups
    of one size) where it is smaller."""
    sizes = np.array([len(thumbnail) for thumbnail in thumbnails])
    side = round(np.sqrt(sizes.max())) if len(sizes) else SIDE
    images = np.zeros((len(thumbnails), side, side), np.uint8)
    for size in np.unique(sizes):
        rows = np.flatnonzero(sizes == size)
        own = round(np.sqrt(size))
        group = np.stack(
            [np.frombuffer(thumbnails[row], np.uint8).reshape(own, own) for row in rows]
        )
        if own != side:
            group = np.clip(np.rint(_resized(group, side)), 0, 255)
        images[rows] = group
    return images


def unit(vectors: np.ndarray) -> np.ndarray:
    """Rows made zero-mean and unit-norm (blind to brightness and contrast)."""
    flat = vectors.reshape(len(vectors), -1)
    centred = flat - flat.mean(axis=1, keepdims=True)
    return centred / (np.linalg.norm(centred, axis=1, keepdims=True) + 1e-6)


def warped(images: np.ndarray, params: np.ndarray) -> np.ndarray:
    """Each image scaled, turned and shifted about its centre by its row of ``params``
    (scale, angle in radians, shift y, shift x), bilinear, borders reflected."""
    centre = (images.shape[1] - 1) / 2
    scale, angle, shift_y, shift_x = params.T
    cos, sin = scale * np.cos(angle), scale * np.sin(angle)
    zeros = np.zeros(len(params))
    matrix = np.stack(
        [
            cos,
            -sin,
            centre + shift_x - cos * centre + sin * centre,
            sin,
            cos,
            centre + shift_y - sin * centre - cos * centre,
            zeros,
            zeros,
        ],
        axis=1,
    ).astype(np.float32)
    result = keras.ops.image.affine_transform(
        images[..., None], matrix, interpolation="bilinear", fill_mode="reflect"
    )
    return np.asarray(result)[..., 0]


def inner(images: np.ndarray, shift: tuple[int, int] = (0, 0)) -> np.ndarray:
    """The images less a ``_MARGIN`` border; with ``shift``, that window moved by
    (rows, columns) pixels."""
    margin = round(images.shape[1] * _MARGIN)
    side = images.shape[1] - 2 * margin
    top, left = margin + shift[0], margin + shift[1]
    return images[:, top : top + side, left : left + side]


def matched(
    target: np.ndarray, images: np.ndarray, shift: tuple[int, int] = (0, 0)
) -> np.ndarray:
    """Correlation of the inner parts of ``images`` with ``target`` (inner parts of
    others, already made unit by ``unit``), from sums: no centred copy of
    ``images``."""
    window = inner(images, shift).reshape(len(images), -1)
    count = window.shape[1]
    total = window.sum(axis=1)
    spread = np.einsum("ij,ij->i", window, window) - total**2 / count
    return np.einsum("ij,ij->i", window, target) / (np.sqrt(np.maximum(spread, 0)) + 1e-6)


class Filtered(NamedTuple):
    """Images blurred (for the alignment) and band-passed (for the comparison)."""

    blurred: np.ndarray
    band: np.ndarray

    @classmethod
    def of(cls, gray: np.ndarray, smooth: float = _SMOOTH, band=_BAND) -> Filtered:
        gray = gray.astype(np.float32)
        return cls(gaussian_filter(gray, (0, smooth, smooth)), band_passed(gray, band))

    def subset(self, rows: np.ndarray) -> Filtered:
        return Filtered(self.blurred[rows], self.band[rows])


def band_passed(gray: np.ndarray, sigmas: tuple[float, float] = _BAND) -> np.ndarray:
    """Grayscale images less their smooth shading and their finest noise: a difference
    of Gaussians (the edges and texture a copy keeps)."""
    gray = gray.astype(np.float32)
    fine, coarse = sigmas
    return gaussian_filter(gray, (0, fine, fine)) - gaussian_filter(
        gray, (0, coarse, coarse)
    )


def _aligned(
    reference: np.ndarray,
    moving: np.ndarray,
    start: np.ndarray,
    *,
    steps: np.ndarray,
    rounds: int,
    scales: tuple[float, float],
    floor: float = -1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Pattern search of the warp of ``moving`` that best matches ``reference``.

    After the first three rounds (the coarse steps), a pair whose correlation is
    still under ``floor`` is left where it is: the finer rounds move a correlation
    by a few hundredths, not enough to reach a threshold far above it.
    """
    params = start.copy()
    target = unit(inner(reference))
    best = matched(target, warped(moving, params))
    moves = np.concatenate([np.eye(4), -np.eye(4)])
    active = np.arange(len(params))
    for round_ in range(rounds):
        if not len(active):
            break
        trial = (params[active, None, :] + moves[None] * steps).reshape(-1, 4)
        trial[:, 0] = np.clip(trial[:, 0], *scales)
        trial[:, 1] = np.clip(trial[:, 1], -_MAX_ANGLE, _MAX_ANGLE)
        scores = matched(
            np.repeat(target[active], len(moves), axis=0),
            warped(np.repeat(moving[active], len(moves), axis=0), trial),
        ).reshape(len(active), len(moves))
        choice = scores.argmax(axis=1)
        chosen = scores[np.arange(len(active)), choice]
        better = chosen > best[active]
        params[active[better]] = trial.reshape(len(active), len(moves), 4)[
            better, choice[better]
        ]
        best[active[better]] = chosen[better]
        if round_ % 3 == 2:
            steps = steps / 2
            if round_ == 2:
                active = active[best[active] >= floor]
    return best, params


def _tile_correlation(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """The ``_DETAIL_QUANTILE`` of the correlations of ``_DETAIL_TILES`` squared
    tiles of the inner images."""
    first, second = inner(first), inner(second)
    tile = first.shape[1] // _DETAIL_TILES
    scores = [
        np.einsum(
            "ij,ij->i",
            unit(first[:, top : top + tile, left : left + tile]),
            unit(second[:, top : top + tile, left : left + tile]),
        )
        for top in range(0, tile * _DETAIL_TILES, tile)
        for left in range(0, tile * _DETAIL_TILES, tile)
    ]
    return np.quantile(np.stack(scores, axis=1), _DETAIL_QUANTILE, axis=1)


def _detail_scores(
    reference: np.ndarray,
    moving: np.ndarray,
    alignment: np.ndarray,
    scales: tuple[float, float],
) -> np.ndarray:
    """The alignment found at ``SIDE`` refined on the larger thumbnails, then their
    band-passed images compared tile by tile."""
    side = reference.shape[1]
    start = alignment.copy()
    start[:, 2:] *= side / SIDE
    smooth = _SMOOTH * side / SIDE
    fixed = Filtered.of(reference, smooth, _DETAIL_BAND)
    moved = Filtered.of(moving, smooth, _DETAIL_BAND)
    _, params = _aligned(
        fixed.blurred,
        moved.blurred,
        start,
        steps=_DETAIL_STEPS,
        rounds=_DETAIL_ROUNDS,
        scales=scales,
    )
    return _tile_correlation(fixed.band, warped(moved.band, params))


def _scores_at(
    fixed: Filtered, moved: Filtered, params: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Correlation of the blurred and of the band-passed images, ``moved`` warped by
    ``params``, and the best band-passed one with that warp shifted by up to a pixel
    either way."""
    target = unit(inner(fixed.band))
    band = warped(moved.band, params)
    nearby = [matched(target, band, (dy, dx)) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
    return (
        matched(unit(inner(fixed.blurred)), warped(moved.blurred, params)),
        nearby[4],
        np.max(nearby, axis=0),
    )


def _passes(aligned: np.ndarray, edges: np.ndarray, thresholds: SamePhotoParams):
    return (aligned >= thresholds.min_aligned_score) & (edges >= thresholds.min_edge_score)


def _searched(
    fixed: Filtered,
    moved: Filtered,
    start: np.ndarray,
    scales: tuple[float, float],
    floor: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The aligned and edge scores of pairs after searching their warp from
    ``start``, and the warps found."""
    aligned, params = _aligned(
        fixed.blurred,
        moved.blurred,
        start,
        steps=_STEPS,
        rounds=_ROUNDS,
        scales=scales,
        floor=floor,
    )
    edges = matched(unit(inner(fixed.band)), warped(moved.band, params))
    return aligned, edges, params


def same_photo_scores(
    reference: np.ndarray,
    moving: np.ndarray,
    start: np.ndarray,
    thresholds: SamePhotoParams,
    *,
    detail: tuple[np.ndarray, np.ndarray] | None = None,
    scales: tuple[float, float] = _SCALES,
) -> pd.DataFrame:
    """Whether each pair is the same photo, and the scores that decided it.

    Args:
        reference: The first image of each pair, grayscale ``(pairs, SIDE, SIDE)``.
        moving: The second, the same way; it is the one warped.
        start: ``(pairs, 4)`` warps of ``moving`` to start from (scale, angle in
            radians, shift y, shift x in ``SIDE`` pixels).
        thresholds: The minimum of each score.
        detail: The same pairs as larger grayscale thumbnails (first, second), or
            ``None`` where the images have no more than ``SIDE`` pixels a side.
        scales: The range of scales searched.

    Returns:
        One row per pair: ``same`` (every score reached), ``aligned_score``,
        ``edge_score``, the alignment (``scale``, ``angle_degrees``, ``shift_y``,
        ``shift_x``) and ``detail_score`` (empty where not measured: no ``detail``,
        or a score at ``SIDE`` already missed).
    """
    columns = ["same", "aligned_score", "edge_score", *_ALIGNMENT, "detail_score"]
    if not len(reference):
        return pd.DataFrame(columns=columns).astype({"same": bool})
    fixed, moved = Filtered.of(reference), Filtered.of(moving)
    params = start.astype(float)
    aligned, edges, nearby_edges = _scores_at(fixed, moved, params)
    # Aligned only: a pair whose edges agree where its search put it, a pixel either
    # way, at least as a copy's do before alignment (a look-alike's mostly do not);
    # and, where no detail stage follows (which starts from this alignment), one
    # not yet the same photo there (exact copies and re-encodes already are). On
    # the 50,000 CIFAR-10 images the test then takes half the time.
    search = nearby_edges >= START_EDGE_FLOOR
    if detail is None:
        search &= ~_passes(aligned, edges, thresholds)
    if search.any():
        floor = thresholds.min_aligned_score - _PRUNING_MARGIN
        aligned[search], edges[search], params[search] = _searched(
            fixed.subset(search), moved.subset(search), params[search], scales, floor
        )
    same = _passes(aligned, edges, thresholds)
    detail_score = np.full(len(same), np.nan)
    if detail is not None and same.any():
        detail_score[same] = _detail_scores(
            detail[0][same], detail[1][same], params[same], scales
        )
        same &= detail_score >= thresholds.min_detail_score
    scores = pd.DataFrame(params, columns=_ALIGNMENT)
    scores["angle_degrees"] = np.degrees(scores["angle_degrees"])
    return scores.assign(
        same=same, aligned_score=aligned, edge_score=edges, detail_score=detail_score
    )[columns]
