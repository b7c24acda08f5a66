"""The champion pointer is checked before any model is read: a hand-edited pointer
must not lead the job to a model outside the champion folders."""

from __future__ import annotations

import pytest

from image_classification.core.errors import InputError
from image_classification.datasets.champion import read_champion_pointer


@pytest.fixture
def champions(tmp_path):
    (tmp_path / "run-1").mkdir()
    (tmp_path / "run-1" / "classifier.keras").write_bytes(b"a model")
    (tmp_path / "run-2").mkdir()  # a folder without a model: a killed promotion
    return tmp_path


def test_no_pointer_is_no_champion_yet(champions):
    assert read_champion_pointer(champions) is None


def test_a_pointer_to_a_champion_folder_is_read(champions):
    (champions / "champion.json").write_text('{"champion_id": "run-1", "score": 0.8}')
    assert read_champion_pointer(champions) == {"champion_id": "run-1", "score": 0.8}


@pytest.mark.parametrize(
    "content",
    [
        '{"champion_id": "../../../etc"}',
        '{"champion_id": "/etc"}',
        '{"champion_id": ".."}',
        '{"champion_id": "run-2"}',
        '{"champion_id": "run-3"}',
        '{"champion_id": 7}',
        '{"id": "run-1"}',
        '["run-1"]',
    ],
)
def test_a_pointer_naming_no_champion_folder_is_refused(champions, content):
    (champions / "champion.json").write_text(content)
    with pytest.raises(InputError, match="which is not a champion folder under"):
        read_champion_pointer(champions)


def test_a_pointer_that_is_not_json_is_refused(champions):
    (champions / "champion.json").write_text('{"champion_id": "run-')
    with pytest.raises(InputError, match=r"champion\.json is not JSON"):
        read_champion_pointer(champions)
