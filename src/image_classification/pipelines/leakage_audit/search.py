"""Cross-split twins: the same photo on both sides of the split, re-framed, mirrored,
recoloured, slightly rotated or re-encoded, found where the thumbnail search cannot.

Three stages on grayscale (colour is what a recolouring changes; the layout of light
and edges is what a copy keeps):

1. Candidates, at ``SIDE`` x ``SIDE``. Each training image is indexed as several
   views: whole, and cropped to 87.5%, 80% and 75% of its side at nine positions (a
   copy cut from it then looks like one of them), each an 8x8 zero-mean unit-norm
   descriptor (blind to brightness and contrast). Each validation and test image is
   looked up as itself, mirrored, and turned a few degrees either way, in an inverted
   file index (faiss): only the views in the few cells nearest to a query are
   compared, so the work grows with the queries times the square root of the views,
   not with their product.
2. A start gate, at ``SIDE``. A candidate whose band-passed images (difference of
   Gaussians: the edges and texture, without the smooth shading that unrelated
   photos share) disagree at the best of a few start warps near its view is dropped:
   most look-alikes go here, before the costly alignment.
3. The project's test of the same photo (``core.same_photo``), from that start:
   aligned at ``SIDE``, then in detail where validation kept larger thumbnails.
"""

from __future__ import annotations

import faiss
import numpy as np
import pandas as pd

from image_classification.core.params.leakage_audit import LeakageAuditParams
from image_classification.core.params.same_photo import SamePhotoParams
from image_classification.core.same_photo import (
    SIDE,
    START_EDGE_FLOOR,
    band_passed,
    inner,
    matched,
    same_photo_scores,
    unit,
    warped,
)

_DESCRIPTOR_SIDE = 8
_CROP_SIDES = (28, 26, 24)  # 87.5%, 80% and 75% of SIDE
# Turns of the query looked up besides the query itself: a copy rotated by up to 10
# degrees is then within 4 degrees of one of them, close enough for its 8x8 layout.
_QUERY_ANGLES = (-6.0, 6.0)
# Nearest views asked for per query descriptor and kept training image: one image's
# views often fill several places.
_VIEWS_PER_CANDIDATE = 8
# Inverted file: about sqrt(views) cells (faiss's rule of thumb; the search then grows
# with queries times sqrt(views)), trained on at most this many views per cell (faiss
# asks for at least 39), and the query's nearest cells searched (fewer lose copies,
# more cost time: benchmarks/README.md).
_TRAINING_VIEWS_PER_CELL = 64
_MIN_VIEWS_PER_CELL = 39
_PROBED_CELLS = 12
_START_SCALES = (0.93, 1.0, 1.07)  # the ratio of two neighbouring crop sizes
_START_SHIFTS = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]


def _views() -> list[tuple[int, int, int]]:
    """(top, left, side) of the whole image and of each indexed crop."""
    views = [(0, 0, SIDE)]
    for side in _CROP_SIDES:
        offsets = sorted({0, (SIDE - side) // 2, SIDE - side})
        views += [(top, left, side) for top in offsets for left in offsets]
    return views


def _pooling(side: int) -> np.ndarray:
    """``(8, side)`` weights that average ``side`` pixels into 8 cells by the share of
    each pixel inside each cell (area resampling, as one matrix product)."""
    edges = np.linspace(0, side, _DESCRIPTOR_SIDE + 1)
    pixels = np.arange(side)
    overlap = np.clip(
        np.minimum(edges[1:, None], pixels + 1) - np.maximum(edges[:-1, None], pixels),
        0,
        None,
    )
    return (overlap / overlap.sum(axis=1, keepdims=True)).astype(np.float32)


def _descriptors(gray: np.ndarray) -> np.ndarray:
    pool = _pooling(gray.shape[1])
    return unit(pool @ gray @ pool.T).astype(np.float32)


def _query_variants(queries: np.ndarray) -> list[tuple[np.ndarray, bool, float]]:
    """(images, mirrored, angle in degrees) of each way a query is looked up."""
    variants = [(queries, False, 0.0), (queries[:, :, ::-1], True, 0.0)]
    for angle in _QUERY_ANGLES:
        turn = np.tile([1.0, np.radians(angle), 0.0, 0.0], (len(queries), 1))
        turned = warped(queries, turn)
        variants += [(turned, False, angle), (turned[:, :, ::-1], True, angle)]
    return variants


def _nearest(index_vectors: np.ndarray, query_vectors: np.ndarray, k: int):
    """Similarities and positions of the ``k`` nearest index vectors of each query, by
    an inverted file: exact within the probed cells."""
    count, dimensions = index_vectors.shape
    cells = max(1, min(round(np.sqrt(count)), count // _MIN_VIEWS_PER_CELL))
    index = faiss.IndexIVFFlat(
        faiss.IndexFlatIP(dimensions), dimensions, cells, faiss.METRIC_INNER_PRODUCT
    )
    # A fixed sample trains the cells: the same images give the same index.
    sample = np.random.default_rng(0).permutation(count)
    index.train(index_vectors[np.sort(sample[: _TRAINING_VIEWS_PER_CELL * cells])])
    index.add(index_vectors)
    index.nprobe = min(cells, _PROBED_CELLS)
    return index.search(query_vectors, min(k, count))


def candidate_pairs(
    train: np.ndarray, queries: np.ndarray, candidates: int
) -> pd.DataFrame:
    """The ``candidates`` training images most like each query, seen whole or cropped,
    the query mirrored, turned or not.

    Args:
        train: Grayscale training images ``(n, SIDE, SIDE)``.
        queries: Grayscale validation and test images.
        candidates: Training images kept per query.

    Returns:
        ``query``, ``train`` (positions), ``coarse_score`` (cosine of the 8x8
        descriptors), ``mirrored``, ``turn`` (degrees the query was turned) and
        ``view`` (the best view's ``(top, left, side)``), best first per query.
    """
    columns = ["query", "train", "coarse_score", "mirrored", "turn", "view"]
    if not len(train) or not len(queries):
        return pd.DataFrame(columns=columns)
    views = _views()
    index = np.concatenate(
        [
            _descriptors(train[:, top : top + side, left : left + side])
            for top, left, side in views
        ]
    )
    variants = _query_variants(queries)
    similarity, found = _nearest(
        index,
        np.concatenate([_descriptors(images) for images, _, _ in variants]),
        _VIEWS_PER_CANDIDATE * candidates,
    )
    variant = np.repeat(np.arange(len(variants)), len(queries))
    hits = pd.DataFrame(
        {
            "query": np.tile(np.arange(len(queries)), len(variants)).repeat(found.shape[1]),
            "train": (found % len(train)).ravel(),
            "coarse_score": similarity.ravel().astype(float),
            "variant": variant.repeat(found.shape[1]),
            "view": (found // len(train)).ravel(),
        }
    )[found.ravel() >= 0]
    best = (
        hits.sort_values(["query", "coarse_score"], ascending=[True, False], kind="stable")
        .drop_duplicates(["query", "train"])
        .groupby("query", sort=False)
        .head(candidates)
    )
    return pd.DataFrame(
        {
            "query": best["query"].to_numpy(),
            "train": best["train"].to_numpy(),
            "coarse_score": best["coarse_score"].to_numpy(),
            "mirrored": [variants[v][1] for v in best["variant"]],
            "turn": [variants[v][2] for v in best["variant"]],
            "view": [views[v] for v in best["view"]],
        }
    ).reset_index(drop=True)


def _facing(queries: np.ndarray, pairs: pd.DataFrame) -> np.ndarray:
    """The pairs' query images, mirrored where the pair was found mirrored."""
    images = queries[pairs["query"].to_numpy(int)]
    mirrored = pairs["mirrored"].to_numpy()[:, None, None]
    return np.where(mirrored, images[:, :, ::-1], images)


def _start(pairs: pd.DataFrame) -> np.ndarray:
    """The warp of each pair's training image that the candidate search implies:
    its view's scale and centre, turned back by the query's turn."""
    centre = (SIDE - 1) / 2
    return np.array(
        [
            [
                side / SIDE,
                -np.radians(turn),
                top + (side - 1) / 2 - centre,
                left + (side - 1) / 2 - centre,
            ]
            for (top, left, side), turn in zip(pairs["view"], pairs["turn"], strict=True)
        ]
    ).reshape(-1, 4)


def _best_starts(
    train: np.ndarray, queries: np.ndarray, pairs: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """The best of a few starts near the one the candidate search implies, and its
    band-passed correlation: the view scaled by ``_START_SCALES`` (a copy's crop
    lies between two indexed sizes) and shifted by up to a pixel either way (or
    between two indexed positions). A warp per scale, where the alignment takes
    about ninety.

    Args:
        train: The training images, band-passed (``core.same_photo.band_passed``).
        queries: The validation and test images, the same way.
        pairs: The candidate pairs (``candidate_pairs``).

    Returns:
        ``(pairs, 4)`` start warps and ``(pairs,)`` correlations.
    """
    target = unit(inner(_facing(queries, pairs)))
    moving = train[pairs["train"].to_numpy()]
    implied = _start(pairs)
    best = np.full(len(pairs), -np.inf)
    starts = implied.copy()
    for factor in _START_SCALES:
        start = implied * [factor, 1, 1, 1]
        view = warped(moving, start)
        scale, angle = start[:, :1], start[:, 1:2]
        for dy, dx in _START_SHIFTS:
            score = matched(target, view, (dy, dx))
            # Comparing with the warped image moved by (dy, dx) is the warp whose
            # shift moves by the scaled, turned (dy, dx).
            moved = start + np.hstack(
                [
                    np.zeros((len(start), 2)),
                    scale * (np.sin(angle) * dx + np.cos(angle) * dy),
                    scale * (np.cos(angle) * dx - np.sin(angle) * dy),
                ]
            )
            better = score > best
            best = np.where(better, score, best)
            starts[better] = moved[better]
    return starts, best


def twin_pairs(
    train: np.ndarray,
    queries: np.ndarray,
    params: LeakageAuditParams,
    thresholds: SamePhotoParams,
    *,
    detail: tuple[np.ndarray, np.ndarray] | None = None,
    batch: int = 4096,
) -> pd.DataFrame:
    """Every (query, training image) pair confirmed as the same photo, best first.

    Args:
        train: Grayscale training images ``(n, SIDE, SIDE)``.
        queries: Grayscale validation and test images, the same way.
        params: Candidates per query.
        thresholds: The minimum of each score of the same photo.
        detail: The same images as larger grayscale thumbnails (training, queries),
            for the detail stage; ``None`` where the images have no more than
            ``SIDE`` pixels a side.
        batch: Pairs aligned at once.

    Returns:
        The pairs that reach every threshold: ``query``, ``train`` (positions),
        ``coarse_score``, ``mirrored``, ``turn``, ``view``, ``aligned_score``,
        ``edge_score``, the alignment (``scale``, ``angle_degrees``, ``shift_y``,
        ``shift_x``) and ``detail_score`` (empty without ``detail``).
    """
    pairs = candidate_pairs(train, queries, params.candidates)
    starts = np.zeros((0, 4))
    if len(pairs):
        starts, start_edges = _best_starts(band_passed(train), band_passed(queries), pairs)
        promising = start_edges >= START_EDGE_FLOOR
        pairs, starts = pairs[promising], starts[promising]
    kept = []
    for first in range(0, max(len(pairs), 1), batch):
        chunk = pairs.iloc[first : first + batch]
        rows = chunk["train"].to_numpy(int)
        scored = same_photo_scores(
            _facing(queries, chunk),
            train[rows],
            starts[first : first + batch],
            thresholds,
            detail=None if detail is None else (_facing(detail[1], chunk), detail[0][rows]),
        )
        scored = pd.concat([chunk.reset_index(drop=True), scored], axis=1)
        kept.append(scored[scored["same"]])
    twins = pd.concat(kept, ignore_index=True).drop(columns="same")
    return twins.sort_values(
        ["detail_score", "edge_score", "query"],
        ascending=[False, False, True],
        kind="stable",
        na_position="last",
    ).reset_index(drop=True)
