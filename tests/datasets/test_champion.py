"""The champion pointer is checked before any model is read: a hand-edited pointer
must not lead the job to a model outside the champion folders. On object storage the
pointer, written last, keeps the champion whole through a kill."""

from __future__ import annotations

import fsspec
import keras
import pytest

from image_classification.core.errors import InputError
from image_classification.datasets import Champion, ChampionDataset
from image_classification.datasets import champion as champion_module
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


class _Killed(BaseException):
    """Like a signal: nothing catches it on the way out."""


def _champion(champion_id: str, bias: float) -> Champion:
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.layers[0].bias.assign([bias])
    return Champion(model=model, record={"champion_id": champion_id})


def _bias(champion: Champion) -> float:
    return float(champion.model.layers[0].bias.numpy()[0])


def test_on_object_storage_a_kill_between_model_and_pointer_keeps_the_old_champion(
    bucket, monkeypatch
):
    dataset = ChampionDataset(path=f"{bucket}/champion")
    assert dataset.load() is None
    dataset.save(_champion("run-1", 1.0))
    with monkeypatch.context() as killing:
        killing.setattr(champion_module, "write_whole", _raise_killed)
        with pytest.raises(_Killed):
            dataset.save(_champion("run-2", 2.0))
    fs, key = fsspec.core.url_to_fs(f"{bucket}/champion/run-2/classifier.keras")
    assert fs.exists(key)  # the new model was written whole, and nothing names it
    loaded = dataset.load()
    assert (loaded.record["champion_id"], _bias(loaded)) == ("run-1", 1.0)
    dataset.save(_champion("run-2", 2.0))
    loaded = ChampionDataset(path=f"{bucket}/champion").load()
    assert (loaded.record["champion_id"], _bias(loaded)) == ("run-2", 2.0)


def _raise_killed(*_):
    raise _Killed
