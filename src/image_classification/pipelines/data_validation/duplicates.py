"""Near-duplicate search that is not all-pairs, and grouping of duplicates.

Identical perceptual hashes (CleanVision's rule) miss most real near duplicates: a
re-encode, a resize, a brightness change or a one-pixel shift all move the hash. Here
each image is a 32x32 grayscale thumbnail, smoothed a little so that sensor noise and
compression artefacts do not count as differences. Candidates come from a KD-tree over
a coarse 4x4 version (zero mean, unit norm: blind to brightness and contrast), a fixed
number of nearest neighbours per image, so the work grows with the number of images,
not with its square. Each candidate pair is then compared on the full thumbnail,
allowing a shift of up to one pixel either way, and kept when the normalized distance
is within the bound.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage
from sklearn.neighbors import KDTree

_COARSE_SIDE = 4
_SMOOTHING_SIGMA = 1.0  # pixels of the 32x32 thumbnail
_SHIFTS = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    centred = vectors - vectors.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(centred, axis=1, keepdims=True)
    return centred / np.where(norms > 0, norms, 1.0)


def _coarse(thumbnails: np.ndarray) -> np.ndarray:
    count, side, _ = thumbnails.shape
    block = side // _COARSE_SIDE
    pooled = thumbnails.reshape(count, _COARSE_SIDE, block, _COARSE_SIDE, block).mean(
        axis=(2, 4)
    )
    return _unit_rows(pooled.reshape(count, -1))


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
    reference = _unit_rows(inner.astype(np.float32))
    best = np.full(len(first), np.inf, dtype=np.float32)
    for dy, dx in _SHIFTS:
        moved = second[:, 1 + dy : side - 1 + dy, 1 + dx : side - 1 + dx]
        moved = _unit_rows(moved.reshape(len(second), -1).astype(np.float32))
        distance = np.linalg.norm(reference - moved, axis=1)
        best = np.minimum(best, distance)
    return best


def near_duplicate_pairs(
    thumbnails: np.ndarray, max_distance: float, neighbors: int, candidate_radius: float
) -> np.ndarray:
    """Pairs of images that are near duplicates of each other.

    Args:
        thumbnails: ``(images, side, side)`` grayscale thumbnails.
        max_distance: Largest shift-tolerant distance that counts as a near duplicate.
        neighbors: Candidates looked at per image.
        candidate_radius: Coarse-descriptor distance beyond which a neighbour is not
            even compared.

    Returns:
        ``(pairs, 3)`` array of first index, second index (first < second) and distance.
    """
    count = len(thumbnails)
    if count < 2:
        return np.empty((0, 3))
    thumbnails = ndimage.gaussian_filter(
        thumbnails.astype(np.float32), sigma=(0, _SMOOTHING_SIGMA, _SMOOTHING_SIGMA)
    )
    coarse = _coarse(thumbnails)
    distances, indices = KDTree(coarse).query(coarse, k=min(neighbors + 1, count))
    rows = np.repeat(np.arange(count), indices.shape[1])
    columns = indices.ravel()
    keep = (rows != columns) & (distances.ravel() <= candidate_radius)
    pairs = np.unique(
        np.sort(np.stack([rows[keep], columns[keep]], axis=1), axis=1), axis=0
    )
    if len(pairs) == 0:
        return np.empty((0, 3))
    fine = shift_tolerant_distance(thumbnails[pairs[:, 0]], thumbnails[pairs[:, 1]])
    close = fine <= max_distance
    return np.column_stack([pairs[close], fine[close]])


def group_ids(count: int, edges: np.ndarray) -> np.ndarray:
    """Connected components of a graph given as ``(edges, 2)`` index pairs, each node
    named by the smallest index in its component."""
    parent = np.arange(count)

    def root(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for first, second in edges.astype(int):
        low, high = sorted((root(first), root(second)))
        parent[high] = low
    return np.array([root(node) for node in range(count)])
