"""Cross-split twins: the same photo on both sides of the split, re-framed, mirrored,
recoloured, slightly rotated or re-encoded, found where the thumbnail search cannot.

Two stages, both on grayscale at ``SIDE`` x ``SIDE`` (colour is what a recolouring
changes; the layout of light and edges is what a copy keeps):

1. Candidates. Each training image is indexed as several views: whole, and cropped to
   87.5%, 80% and 75% of its side at nine positions (a copy cut from it then looks
   like one of them), each an 8x8 zero-mean unit-norm descriptor (blind to brightness
   and contrast). Every validation and test image, and its mirror image, is compared
   with every view by one matrix product per block of queries; its ``candidates``
   training images of highest similarity go on.
2. Instance check. A same-class photo can look alike at 8x8; a copy matches in
   detail once aligned. Each candidate is aligned to the query by a pattern search
   over scale, rotation and shift (from the best view, the mirror decided), on
   slightly blurred images, and then compared on band-passed images (difference of
   Gaussians: the edges and texture, without the smooth shading that unrelated
   photos share). Both correlations are returned; the audit's thresholds decide.
"""

from __future__ import annotations

import keras
import numpy as np
import pandas as pd
from scipy.ndimage import gaussian_filter

SIDE = 32
_DESCRIPTOR_SIDE = 8
_CROP_SIDES = (28, 26, 24)  # 87.5%, 80% and 75% of SIDE
# Bytes of one block of query-by-view similarities (three such arrays are held).
_BLOCK_BYTES = 64 * 2**20
_LUMA = np.array([0.299, 0.587, 0.114], np.float32)
# Pattern search: start steps (scale, angle in radians, shift y, shift x), rounds, and
# every third round the steps halve. Ranges bound what is called "the same photo".
_STEPS = np.array([0.03, np.radians(3.0), 1.0, 1.0])
_ROUNDS = 12
_SCALES = (0.6, 1.05)
_MAX_ANGLE = np.radians(15.0)
_MARGIN = 4  # pixels left out at each border: rotation and shift fill them
_SMOOTH = 1.0  # sigma of the blur before alignment
_BAND = (0.7, 2.0)  # sigmas of the difference of Gaussians


def grayscale(images: np.ndarray) -> np.ndarray:
    """uint8 RGB ``(n, h, w, 3)`` as float32 luma ``(n, SIDE, SIDE)``."""
    gray = images.astype(np.float32) @ _LUMA
    if gray.shape[1:] != (SIDE, SIDE):
        gray = _resized(gray, SIDE)
    return gray


def _resized(gray: np.ndarray, side: int) -> np.ndarray:
    return np.asarray(
        keras.ops.image.resize(gray[..., None], (side, side), antialias=True)
    )[..., 0]


def _unit(vectors: np.ndarray) -> np.ndarray:
    flat = vectors.reshape(len(vectors), -1)
    centred = flat - flat.mean(axis=1, keepdims=True)
    return centred / (np.linalg.norm(centred, axis=1, keepdims=True) + 1e-6)


def _views() -> list[tuple[int, int, int]]:
    """(top, left, side) of the whole image and of each indexed crop."""
    views = [(0, 0, SIDE)]
    for side in _CROP_SIDES:
        offsets = sorted({0, (SIDE - side) // 2, SIDE - side})
        views += [(top, left, side) for top in offsets for left in offsets]
    return views


def _descriptors(gray: np.ndarray) -> np.ndarray:
    return _unit(_resized(gray, _DESCRIPTOR_SIDE)).astype(np.float32)


def candidate_pairs(
    train: np.ndarray, queries: np.ndarray, candidates: int
) -> pd.DataFrame:
    """The ``candidates`` training images most like each query, seen whole or cropped,
    the query mirrored or not.

    Args:
        train: Grayscale training images ``(n, SIDE, SIDE)``.
        queries: Grayscale validation and test images.
        candidates: Training images kept per query.

    Returns:
        ``query``, ``train`` (positions), ``coarse_score`` (cosine of the 8x8
        descriptors), ``mirrored`` and ``view`` (the best view's ``(top, left,
        side)``).
    """
    columns = ["query", "train", "coarse_score", "mirrored", "view"]
    if not len(train) or not len(queries):
        return pd.DataFrame(columns=columns)
    views = _views()
    index = np.concatenate(
        [
            _descriptors(train[:, top : top + side, left : left + side])
            for top, left, side in views
        ]
    )
    blocks = []
    per_block = max(1, _BLOCK_BYTES // (index.shape[0] * 4))
    for start in range(0, len(queries), per_block):
        block = queries[start : start + per_block]
        plain = _descriptors(block) @ index.T
        mirror = _descriptors(block[:, :, ::-1]) @ index.T
        best = np.maximum(plain, mirror).reshape(len(block), len(views), len(train))
        per_image = best.max(axis=1)
        top = np.argsort(-per_image, axis=1, kind="stable")[:, :candidates]
        rows = np.arange(len(block))[:, None]
        view = best[rows, :, top].argmax(axis=2)
        column = view * len(train) + top
        blocks.append(
            pd.DataFrame(
                {
                    "query": np.repeat(start + rows[:, 0], top.shape[1]),
                    "train": top.ravel(),
                    "coarse_score": per_image[rows, top].ravel().astype(float),
                    "mirrored": (mirror[rows, column] > plain[rows, column]).ravel(),
                    "view": [views[position] for position in view.ravel()],
                }
            )
        )
    return pd.concat(blocks, ignore_index=True)


def _warped(images: np.ndarray, params: np.ndarray) -> np.ndarray:
    """Each image resampled so that output pixel ``p`` reads input pixel
    ``centre + scale * rotation(angle) * (p - centre) + shift``."""
    centre = (SIDE - 1) / 2
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
    warped = keras.ops.image.affine_transform(
        images[..., None], matrix, interpolation="bilinear", fill_mode="reflect"
    )
    return np.asarray(warped)[..., 0]


def _correlation(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    inner = slice(_MARGIN, SIDE - _MARGIN)
    return np.einsum(
        "ij,ij->i", _unit(first[:, inner, inner]), _unit(second[:, inner, inner])
    )


def _aligned(queries: np.ndarray, train: np.ndarray, start: np.ndarray):
    """Pattern search of the warp of ``train`` that best matches ``queries``."""
    params = start.copy()
    best = _correlation(queries, _warped(train, params))
    steps = _STEPS.copy()
    moves = np.concatenate([np.diag(_STEPS), -np.diag(_STEPS)]) / _STEPS
    for round_ in range(_ROUNDS):
        trial = (params[:, None, :] + moves[None] * steps).reshape(-1, 4)
        trial[:, 0] = np.clip(trial[:, 0], *_SCALES)
        trial[:, 1] = np.clip(trial[:, 1], -_MAX_ANGLE, _MAX_ANGLE)
        repeat = len(moves)
        scores = _correlation(
            np.repeat(queries, repeat, axis=0),
            _warped(np.repeat(train, repeat, axis=0), trial),
        ).reshape(len(params), repeat)
        choice = scores.argmax(axis=1)
        chosen = scores[np.arange(len(params)), choice]
        better = chosen > best
        params[better] = trial.reshape(len(params), repeat, 4)[better, choice[better]]
        best = np.where(better, chosen, best)
        if round_ % 3 == 2:
            steps = steps / 2
    return best, params


def instance_scores(
    train: np.ndarray, queries: np.ndarray, pairs: pd.DataFrame
) -> pd.DataFrame:
    """``pairs`` with ``aligned_score`` (correlation of the blurred images after the
    best alignment) and ``edge_score`` (of their band-passed versions, same
    alignment), ``scale`` and ``angle_degrees`` of that alignment."""
    if pairs.empty:
        return pairs.assign(aligned_score=[], edge_score=[], scale=[], angle_degrees=[])
    query_images = queries[pairs["query"].to_numpy()]
    mirrored = pairs["mirrored"].to_numpy()[:, None, None]
    query_images = np.where(mirrored, query_images[:, :, ::-1], query_images)
    train_images = train[pairs["train"].to_numpy()]
    centre = (SIDE - 1) / 2
    start = np.array(
        [
            [
                side / SIDE,
                0.0,
                top + (side - 1) / 2 - centre,
                left + (side - 1) / 2 - centre,
            ]
            for top, left, side in pairs["view"]
        ]
    )
    aligned, params = _aligned(_blurred(query_images), _blurred(train_images), start)
    edges = _correlation(_band(query_images), _warped(_band(train_images), params))
    return pairs.assign(
        aligned_score=aligned,
        edge_score=edges,
        scale=params[:, 0],
        angle_degrees=np.degrees(params[:, 1]),
    )


def _blurred(gray: np.ndarray) -> np.ndarray:
    return gaussian_filter(gray, (0, _SMOOTH, _SMOOTH))


def _band(gray: np.ndarray) -> np.ndarray:
    fine, coarse = _BAND
    return gaussian_filter(gray, (0, fine, fine)) - gaussian_filter(
        gray, (0, coarse, coarse)
    )


def twin_pairs(
    train: np.ndarray,
    queries: np.ndarray,
    *,
    candidates: int,
    min_aligned_score: float,
    min_edge_score: float,
    batch: int = 4096,
) -> pd.DataFrame:
    """Every (query, training image) pair confirmed as the same photo, best first:
    ``candidate_pairs`` then ``instance_scores`` (in batches of ``batch`` pairs), kept
    where both correlations reach their minimum."""
    pairs = candidate_pairs(train, queries, candidates)
    scored = pd.concat(
        [
            instance_scores(train, queries, pairs.iloc[start : start + batch])
            for start in range(0, max(len(pairs), 1), batch)
        ],
        ignore_index=True,
    )
    twins = scored[
        (scored["aligned_score"] >= min_aligned_score)
        & (scored["edge_score"] >= min_edge_score)
    ]
    return twins.sort_values(
        ["edge_score", "query"], ascending=[False, True], kind="stable"
    ).reset_index(drop=True)
