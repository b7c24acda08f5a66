"""Near duplicates: candidates by a search that is not all-pairs, kept when they are
the same photo by the project's one test of it (``core.same_photo``).

Identical perceptual hashes (CleanVision's rule) miss most real near duplicates: a
re-encode, a resize, a brightness change or a one-pixel shift all move the hash. Here
each image is a 32x32 grayscale thumbnail, smoothed a little when it is made
(``core.inspection.content_stats``) so that noise and compression artefacts do not count
as differences. Candidates come from a coarse 4x4 version (zero mean, unit norm: blind
to brightness and contrast), projected on its five principal axes, where a KD-tree finds
a fixed number of nearest neighbours per image (a KD-tree stays fast in five dimensions,
not in sixteen). The work grows with the number of images, not with its square. A
candidate goes on only when its coarse distance, and then its distance on an 8x8
version, are within ``candidate_radius``: on ordinary photos the 4x4 check alone lets
through hundreds of unrelated pairs per near duplicate (15k candidates, 30 near
duplicates among 10k CIFAR images), the 8x8 check about one in seven of them. What is
left is compared on the full thumbnail, allowing a shift of up to one pixel either way,
and goes on when the normalized distance is within the bound: a copy re-encoded,
resized or recoloured lies far inside it, one cropped by 5% about at it; so do
different photos of one scene type (two shirts on one blanket). The same-photo test
tells them apart: aligned at 32x32, and tile by tile in finer detail on photos.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree
from sklearn.decomposition import PCA

from image_classification.core.params.same_photo import SamePhotoParams
from image_classification.core.progress import progress
from image_classification.core.same_photo import (
    compared_images,
    same_photo_scores,
    unit,
)

_COARSE_SIDE = 4
_MIDDLE_SIDE = 8
_SEARCH_DIMENSIONS = 5
# Candidate pairs compared at once: a few MB per batch and thread, where all 88,000
# candidates of the 50k CIFAR-10 images at once had taken 300 MB.
_PAIRS_PER_BATCH = 4_096
_IMAGES_PER_CHUNK = 4096  # bounds the memory of the block pooling
_QUERIES_PER_BLOCK = 4096  # keeps a block of the neighbour search in the cache
# Approximate neighbours: each returned one lies within 1.5 times the true k-th
# neighbour's distance, and a near duplicate lies far closer than the k-th, so the
# faster query loses none (figures: benchmarks/README.md).
_NEIGHBOUR_SLACK = 0.5
_SHIFTS = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
# A pair comes unordered: either image may be the one cropped a little, so the scale
# is searched both ways, up to 15% (larger crops are for the leakage audit to find).
_SCALES = (0.85, 1 / 0.85)
# Pairs tested at once: the alignment warps eight copies of each, 2.4 MB a pair of
# 96x96 thumbnails in float32.
_PAIRS_PER_TEST = 512


def _block_sums(thumbnails: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """8x8 and 4x4 block sums of uint8 thumbnails, as ``(images, 64)`` and
    ``(images, 16)`` rows, by small matrix products per chunk: 5x faster than a
    reshape-sum, and no float copy of the whole set."""
    count, side, _ = thumbnails.shape
    pool = np.repeat(np.eye(_MIDDLE_SIDE, dtype=np.float32), side // _MIDDLE_SIDE, 0)
    merge = np.repeat(
        np.eye(_COARSE_SIDE, dtype=np.float32), _MIDDLE_SIDE // _COARSE_SIDE, 0
    )
    middle = np.empty((count, _MIDDLE_SIDE, _MIDDLE_SIDE), dtype=np.float32)
    for start in range(0, count, _IMAGES_PER_CHUNK):
        chunk = thumbnails[start : start + _IMAGES_PER_CHUNK].astype(np.float32)
        middle[start : start + _IMAGES_PER_CHUNK] = pool.T @ chunk @ pool
    coarse = merge.T @ middle @ merge
    return middle.reshape(count, -1), coarse.reshape(count, -1)


def shift_tolerant_distance(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Smallest normalized distance between thumbnail pairs over one-pixel shifts.

    Args:
        first: ``(pairs, side, side)`` thumbnails.
        second: The same shape; compared row by row with ``first``.

    Returns:
        ``(pairs,)`` distances in [0, 2]: 0 for the same picture up to brightness and
        contrast, about 1.4 for unrelated ones.
    """
    side = first.shape[1]
    inner = first[:, 1 : side - 1, 1 : side - 1].reshape(len(first), -1)
    reference = unit(inner.astype(np.float32))
    best = np.full(len(first), np.inf, dtype=np.float32)
    for dy, dx in _SHIFTS:
        moved = second[:, 1 + dy : side - 1 + dy, 1 + dx : side - 1 + dx]
        moved = unit(moved.reshape(len(second), -1).astype(np.float32))
        distance = np.linalg.norm(reference - moved, axis=1)
        best = np.minimum(best, distance)
    return best


def _candidate_pairs(coarse: np.ndarray, neighbors: int, radius: float) -> np.ndarray:
    """Index pairs (first < second) among each image's approximate nearest neighbours
    whose coarse descriptors lie within ``radius``.

    The search runs in the tree's leaf order, where neighbours lie close in memory, in
    blocks of queries spread over the cores (query and distance check together, 20%
    faster than threading the query alone). A block's temporaries stay a few MB (about
    70 MB for 50k images at once). The tree query itself still costs more per image as
    the set grows (n log n).
    """
    count = len(coarse)
    dimensions = min(_SEARCH_DIMENSIONS, count, coarse.shape[1])
    projected = PCA(dimensions, random_state=0).fit_transform(coarse)
    tree = cKDTree(projected)
    order = tree.indices
    position = np.empty_like(order)
    position[order] = np.arange(count)
    ordered = coarse[order]
    queries = projected[order]

    def block_candidates(rows: np.ndarray) -> np.ndarray:
        neighbours = tree.query(
            queries[rows], k=min(neighbors + 1, count), eps=_NEIGHBOUR_SLACK
        )[1]
        columns = position[neighbours]
        distance = np.linalg.norm(ordered[rows, None, :] - ordered[columns], axis=2)
        close = (distance <= radius) & (columns != rows[:, None])
        return np.column_stack([np.repeat(rows, close.sum(1)), columns[close]])

    cores = os.cpu_count() or 1
    blocks = cores * -(-count // (cores * _QUERIES_PER_BLOCK))  # equal shares per core
    with ThreadPoolExecutor(cores) as pool:
        candidates = list(pool.map(block_candidates, np.array_split(range(count), blocks)))
    # A pair is often found from both ends: the few candidates are deduplicated before
    # the costly comparison (at 50k synthetic images 2,412 candidates, 1,471 pairs).
    return np.unique(np.sort(order[np.concatenate(candidates)], axis=1), axis=0)


def near_duplicate_pairs(
    thumbnails: np.ndarray, max_distance: float, neighbors: int, candidate_radius: float
) -> np.ndarray:
    """Pairs of images that are near duplicates of each other.

    Args:
        thumbnails: ``(images, side, side)`` smoothed grayscale thumbnails.
        max_distance: Largest shift-tolerant distance that counts as a near duplicate.
        neighbors: Candidates looked at per image.
        candidate_radius: Distance of the 4x4 and of the 8x8 block means beyond which
            a neighbour is not compared on the full thumbnail.

    Returns:
        ``(pairs, 3)`` array of first index, second index (first < second) and distance.
    """
    count = len(thumbnails)
    if count < 2:
        return np.empty((0, 3))
    middle, coarse = _block_sums(thumbnails)
    candidates = _candidate_pairs(unit(coarse), neighbors, candidate_radius)

    def batch_pairs(batch: np.ndarray) -> np.ndarray:
        middle_distance = np.linalg.norm(
            unit(middle[batch[:, 0]]) - unit(middle[batch[:, 1]]), axis=1
        )
        batch = batch[middle_distance <= candidate_radius]
        if len(batch) == 0:
            return np.empty((0, 3))
        fine = shift_tolerant_distance(thumbnails[batch[:, 0]], thumbnails[batch[:, 1]])
        close = fine <= max_distance
        return np.column_stack([batch[close], fine[close]])

    if len(candidates) == 0:
        return np.empty((0, 3))
    cores = os.cpu_count() or 1
    batch_count = min(len(candidates), max(cores, -(-len(candidates) // _PAIRS_PER_BATCH)))
    # numpy lets go of the GIL in its loops: threads share the comparisons out.
    with ThreadPoolExecutor(cores) as pool:
        batches = pool.map(batch_pairs, np.array_split(candidates, batch_count))
        found = list(
            progress(batches, total=batch_count, description="comparing near duplicates")
        )
    return np.concatenate(found)


def same_photo_test(
    pairs: np.ndarray, thumbnails: Sequence[bytes], thresholds: SamePhotoParams
) -> pd.DataFrame:
    """The project's test of the same photo on candidate pairs, aligned from where they
    are (no warp): ``core.same_photo.same_photo_scores``, one row per pair.

    Args:
        pairs: ``(pairs, 2)`` positions in ``thumbnails``.
        thumbnails: Each image's square grayscale thumbnail (validation's larger one).
        thresholds: The minimum of each score.
    """
    members, positions = np.unique(pairs, return_inverse=True)
    positions = positions.reshape(pairs.shape)
    coarse, finest = compared_images([thumbnails[member] for member in members])
    tested = []
    for first in range(0, max(len(pairs), 1), _PAIRS_PER_TEST):
        one, other = positions[first : first + _PAIRS_PER_TEST].T
        detail = None if finest is None else (finest[one], finest[other])
        tested.append(
            same_photo_scores(
                coarse[one],
                coarse[other],
                np.tile([1.0, 0.0, 0.0, 0.0], (len(one), 1)),
                thresholds,
                detail=detail,
                scales=_SCALES,
            )
        )
    return pd.concat(tested, ignore_index=True)
