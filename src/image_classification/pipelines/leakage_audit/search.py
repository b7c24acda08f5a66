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
2. Alignment, at ``SIDE``. A same-class photo can look alike at 8x8; a copy matches in
   detail once aligned. A candidate whose band-passed images (difference of
   Gaussians: the edges and texture, without the smooth shading that unrelated
   photos share) disagree at the best of a few start warps near its view is dropped;
   the others are aligned to the query by a pattern search over scale, rotation and
   shift on slightly blurred images, then their band-passed images compared.
3. Detail, where the images have more than ``SIDE`` pixels a side. At 32 pixels two
   garments laid on one floor share their outline and the floor; what tells them
   apart is finer. The alignment is refined on the larger grayscale thumbnail that
   validation kept, and the band-passed images are compared tile by tile: a copy
   matches in most tiles, a look-alike only where the background is.
"""

from __future__ import annotations

from typing import NamedTuple

import faiss
import keras
import numpy as np
import pandas as pd
from scipy.ndimage import gaussian_filter

from image_classification.core.params.leakage_audit import LeakageAuditParams

SIDE = 32
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
# Pattern search: start steps (scale, angle in radians, shift y, shift x), rounds, and
# every third round the steps halve. Ranges bound what is called "the same photo".
_STEPS = np.array([0.03, np.radians(3.0), 1.0, 1.0])
_ROUNDS = 12
_SCALES = (0.6, 1.05)
_MAX_ANGLE = np.radians(15.0)
# Candidates whose edges correlate less than this at the best start are not aligned:
# a copy's edges already agree there, most look-alikes' do not, and the alignment
# costs ninety warps a pair (what it keeps and loses: benchmarks/README.md).
_START_EDGE_FLOOR = 0.45
_START_SCALES = (0.93, 1.0, 1.07)  # the ratio of two neighbouring crop sizes
_START_SHIFTS = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
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


def resized(gray: np.ndarray, side: int) -> np.ndarray:
    """Grayscale images ``(n, h, w)`` at ``side`` x ``side``, as float32."""
    gray = gray.astype(np.float32)
    if gray.shape[1:] == (side, side):
        return gray
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
    return _unit(pool @ gray @ pool.T).astype(np.float32)


def _query_variants(queries: np.ndarray) -> list[tuple[np.ndarray, bool, float]]:
    """(images, mirrored, angle in degrees) of each way a query is looked up."""
    variants = [(queries, False, 0.0), (queries[:, :, ::-1], True, 0.0)]
    for angle in _QUERY_ANGLES:
        turn = np.tile([1.0, np.radians(angle), 0.0, 0.0], (len(queries), 1))
        turned = _warped(queries, turn)
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


def _warped(images: np.ndarray, params: np.ndarray) -> np.ndarray:
    """Each image resampled so that output pixel ``p`` reads input pixel
    ``centre + scale * rotation(angle) * (p - centre) + shift``."""
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
    warped = keras.ops.image.affine_transform(
        images[..., None], matrix, interpolation="bilinear", fill_mode="reflect"
    )
    return np.asarray(warped)[..., 0]


def _inner(images: np.ndarray, shift: tuple[int, int] = (0, 0)) -> np.ndarray:
    """The images less a ``_MARGIN`` border; with ``shift``, that window moved by
    (rows, columns) pixels."""
    margin = round(images.shape[1] * _MARGIN)
    side = images.shape[1] - 2 * margin
    top, left = margin + shift[0], margin + shift[1]
    return images[:, top : top + side, left : left + side]


def _matched(
    target: np.ndarray, images: np.ndarray, shift: tuple[int, int] = (0, 0)
) -> np.ndarray:
    """Correlation of the inner parts of ``images`` with ``target`` (inner parts of
    others, already made unit by ``_unit``), from sums: no centred copy of
    ``images``."""
    inner = _inner(images, shift).reshape(len(images), -1)
    count = inner.shape[1]
    total = inner.sum(axis=1)
    spread = np.einsum("ij,ij->i", inner, inner) - total**2 / count
    return np.einsum("ij,ij->i", inner, target) / (np.sqrt(np.maximum(spread, 0)) + 1e-6)


def _tile_correlation(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """The ``_DETAIL_QUANTILE`` of the correlations of ``_DETAIL_TILES`` squared
    tiles of the inner images."""
    first, second = _inner(first), _inner(second)
    tile = first.shape[1] // _DETAIL_TILES
    scores = [
        np.einsum(
            "ij,ij->i",
            _unit(first[:, top : top + tile, left : left + tile]),
            _unit(second[:, top : top + tile, left : left + tile]),
        )
        for top in range(0, tile * _DETAIL_TILES, tile)
        for left in range(0, tile * _DETAIL_TILES, tile)
    ]
    return np.quantile(np.stack(scores, axis=1), _DETAIL_QUANTILE, axis=1)


def _aligned(
    queries: np.ndarray,
    train: np.ndarray,
    start: np.ndarray,
    *,
    steps: np.ndarray = _STEPS,
    rounds: int = _ROUNDS,
    floor: float = -1.0,
):
    """Pattern search of the warp of ``train`` that best matches ``queries``.

    After the first three rounds (the coarse steps), a pair whose correlation is
    still under ``floor`` is left where it is: the finer rounds move a correlation
    by a few hundredths, not enough to reach a threshold far above it.
    """
    params = start.copy()
    target = _unit(_inner(queries))
    best = _matched(target, _warped(train, params))
    moves = np.concatenate([np.eye(4), -np.eye(4)])
    active = np.arange(len(params))
    for round_ in range(rounds):
        trial = (params[active, None, :] + moves[None] * steps).reshape(-1, 4)
        trial[:, 0] = np.clip(trial[:, 0], *_SCALES)
        trial[:, 1] = np.clip(trial[:, 1], -_MAX_ANGLE, _MAX_ANGLE)
        scores = _matched(
            np.repeat(target[active], len(moves), axis=0),
            _warped(np.repeat(train[active], len(moves), axis=0), trial),
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


def _facing(queries: np.ndarray, pairs: pd.DataFrame) -> np.ndarray:
    """The pairs' query images, mirrored where the pair was found mirrored."""
    images = queries[pairs["query"].to_numpy()]
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


class _Filtered(NamedTuple):
    """Images blurred (for the alignment) and band-passed (for the comparison), each
    filtered once however many pairs it is in."""

    blurred: np.ndarray
    band: np.ndarray

    @classmethod
    def of(cls, gray: np.ndarray, smooth: float, band: tuple[float, float]):
        gray = gray.astype(np.float32)
        return cls(_blurred(gray, smooth), _band(gray, band))


def _best_starts(
    train: _Filtered, queries: _Filtered, pairs: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """The best of a few starts near the one the candidate search implies, and its
    band-passed correlation: the view scaled by ``_START_SCALES`` (a copy's crop
    lies between two indexed sizes) and shifted by up to a pixel either way (or
    between two indexed positions). A warp per scale, where the alignment takes
    about ninety.

    Returns:
        ``(pairs, 4)`` start warps and ``(pairs,)`` correlations.
    """
    target = _unit(_inner(_facing(queries.band, pairs)))
    moving = train.band[pairs["train"].to_numpy()]
    implied = _start(pairs)
    best = np.full(len(pairs), -np.inf)
    starts = implied.copy()
    for factor in _START_SCALES:
        start = implied * [factor, 1, 1, 1]
        warped = _warped(moving, start)
        scale, angle = start[:, :1], start[:, 1:2]
        for dy, dx in _START_SHIFTS:
            score = _matched(target, warped, (dy, dx))
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


def _instance_scores(
    train: _Filtered,
    queries: _Filtered,
    pairs: pd.DataFrame,
    start: np.ndarray,
    floor: float,
) -> pd.DataFrame:
    """``pairs`` with ``aligned_score`` (correlation of the blurred images after the
    best alignment) and ``edge_score`` (of their band-passed versions, same
    alignment), and that alignment: ``scale``, ``angle_degrees``, ``shift_y`` and
    ``shift_x`` (in ``SIDE`` pixels). Pairs under ``floor`` after the coarse rounds
    are not aligned further (see ``_aligned``)."""
    rows = pairs["train"].to_numpy()
    aligned, params = _aligned(
        _facing(queries.blurred, pairs), train.blurred[rows], start, floor=floor
    )
    edges = _matched(
        _unit(_inner(_facing(queries.band, pairs))), _warped(train.band[rows], params)
    )
    return pairs.assign(
        aligned_score=aligned,
        edge_score=edges,
        scale=params[:, 0],
        angle_degrees=np.degrees(params[:, 1]),
        shift_y=params[:, 2],
        shift_x=params[:, 3],
    )


def _detail_scores(
    train: np.ndarray, queries: np.ndarray, pairs: pd.DataFrame
) -> pd.DataFrame:
    """``pairs`` (aligned by ``_instance_scores``) with ``detail_score``: the
    alignment refined on the larger thumbnails, then their band-passed images
    compared tile by tile (the score four tiles in five reach). Only the few pairs
    that passed the alignment come here: their images are filtered here, not every
    image of the split."""
    side = queries.shape[1]
    start = pairs[["scale", "angle_degrees", "shift_y", "shift_x"]].to_numpy(
        float, copy=True
    )
    start[:, 1] = np.radians(start[:, 1])
    start[:, 2:] *= side / SIDE
    smooth = _SMOOTH * side / SIDE
    facing = _Filtered.of(_facing(queries, pairs), smooth, _DETAIL_BAND)
    moving = _Filtered.of(train[pairs["train"].to_numpy()], smooth, _DETAIL_BAND)
    _, params = _aligned(
        facing.blurred,
        moving.blurred,
        start,
        steps=_DETAIL_STEPS,
        rounds=_DETAIL_ROUNDS,
    )
    detail = _tile_correlation(facing.band, _warped(moving.band, params))
    return pairs.assign(detail_score=detail)


def _blurred(gray: np.ndarray, sigma: float) -> np.ndarray:
    return gaussian_filter(gray, (0, sigma, sigma))


def _band(gray: np.ndarray, sigmas: tuple[float, float]) -> np.ndarray:
    fine, coarse = sigmas
    return gaussian_filter(gray, (0, fine, fine)) - gaussian_filter(
        gray, (0, coarse, coarse)
    )


def twin_pairs(
    train: np.ndarray,
    queries: np.ndarray,
    thresholds: LeakageAuditParams,
    detail: tuple[np.ndarray, np.ndarray] | None = None,
    batch: int = 4096,
) -> pd.DataFrame:
    """Every (query, training image) pair confirmed as the same photo, best first.

    Args:
        train: Grayscale training images ``(n, SIDE, SIDE)``.
        queries: Grayscale validation and test images, the same way.
        thresholds: Candidates per query and the minimum of each score.
        detail: The same images as larger grayscale thumbnails (training, queries),
            for the detail stage; ``None`` where the images have no more than
            ``SIDE`` pixels a side.
        batch: Pairs aligned at once.

    Returns:
        The pairs that reach every threshold: ``query``, ``train`` (positions),
        ``coarse_score``, ``mirrored``, ``turn``, ``view``, ``aligned_score``,
        ``edge_score``, the alignment (``scale``, ``angle_degrees``, ``shift_y``,
        ``shift_x``) and, with ``detail``, ``detail_score``.
    """
    pairs = candidate_pairs(train, queries, thresholds.candidates)
    train_filtered = _Filtered.of(train, _SMOOTH, _BAND)
    query_filtered = _Filtered.of(queries, _SMOOTH, _BAND)
    starts = np.zeros((0, 4))
    if len(pairs):
        starts, start_edges = _best_starts(train_filtered, query_filtered, pairs)
        promising = start_edges >= _START_EDGE_FLOOR
        pairs, starts = pairs[promising], starts[promising]
    kept = [pairs.iloc[:0]]
    for first in range(0, len(pairs), batch):
        scored = _instance_scores(
            train_filtered,
            query_filtered,
            pairs.iloc[first : first + batch],
            starts[first : first + batch],
            thresholds.min_aligned_score - _PRUNING_MARGIN,
        )
        scored = scored[
            (scored["aligned_score"] >= thresholds.min_aligned_score)
            & (scored["edge_score"] >= thresholds.min_edge_score)
        ]
        if detail is not None and len(scored):
            scored = _detail_scores(*detail, scored)
            scored = scored[scored["detail_score"] >= thresholds.min_detail_score]
        kept.append(scored)
    scores = ["aligned_score", "edge_score", "scale", "angle_degrees", "shift_y"]
    scores += ["shift_x", *(["detail_score"] if detail is not None else [])]
    twins = pd.concat(kept, ignore_index=True).reindex(columns=[*pairs.columns, *scores])
    order = ["detail_score", "edge_score"] if detail is not None else ["edge_score"]
    return twins.sort_values(
        [*order, "query"], ascending=[False] * len(order) + [True], kind="stable"
    ).reset_index(drop=True)
