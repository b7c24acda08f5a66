"""The same-photo test alone: a copy, shifted, turned or re-lit, passes; a look-alike
(another garment on the same floor) does not, whatever it started from."""

from __future__ import annotations

import numpy as np
from PIL import Image

from image_classification.core.same_photo import SIDE, same_photo_scores
from tests.conftest import same_photo_params
from tests.look_alikes import floor_photo, look_alike

IDENTITY = np.array([[1.0, 0.0, 0.0, 0.0]])


def _gray(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("L").resize((SIDE, SIDE)), np.float32)[None]


def _photo_and_look_alike() -> tuple[Image.Image, Image.Image]:
    rng = np.random.default_rng(5)
    floor = floor_photo(rng, 256)
    return look_alike(floor, rng, 128), look_alike(floor, rng, 128)


def test_a_copy_moved_turned_and_relit_is_the_same_photo():
    photo, _ = _photo_and_look_alike()
    copies = [
        photo.rotate(4, resample=Image.Resampling.BILINEAR),
        photo.transform(photo.size, Image.Transform.AFFINE, (1, 0, 3, 0, 1, 2)),
        photo.point(lambda value: min(255, int(value * 1.2))),
    ]
    for copy in copies:
        scores = same_photo_scores(_gray(photo), _gray(copy), IDENTITY, same_photo_params())
        assert bool(scores["same"].iloc[0]), scores.to_dict("records")


def test_a_look_alike_on_the_same_floor_is_not_the_same_photo():
    photo, other = _photo_and_look_alike()
    scores = same_photo_scores(_gray(photo), _gray(other), IDENTITY, same_photo_params())
    assert not bool(scores["same"].iloc[0])
    assert scores["edge_score"].iloc[0] < same_photo_params().min_edge_score


def test_no_pairs_give_an_empty_table_with_every_column():
    empty = np.zeros((0, SIDE, SIDE), np.float32)
    scores = same_photo_scores(empty, empty, np.zeros((0, 4)), same_photo_params())
    assert scores.empty
    assert {"same", "aligned_score", "edge_score", "detail_score"} <= set(scores.columns)
