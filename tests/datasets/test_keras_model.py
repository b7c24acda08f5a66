"""A saved model version that cannot be read names itself and the fix, not a
temporary path."""

from __future__ import annotations

import keras
import pytest
from kedro.io import DatasetError
from kedro.io.core import Version

from image_classification.core.errors import input_error_in
from image_classification.datasets import KerasModelDataset


def test_a_cut_model_version_is_named_with_the_fix(tmp_path):
    filepath = str(tmp_path / "classifier.keras")
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    KerasModelDataset(filepath=filepath, version=Version(None, "v1")).save(model)
    saved = tmp_path / "classifier.keras" / "v1" / "classifier.keras"
    loaded = KerasModelDataset(filepath=filepath, version=Version(None, None)).load()
    assert loaded.count_params() == model.count_params()
    saved.write_bytes(saved.read_bytes()[: saved.stat().st_size // 2])
    with pytest.raises(DatasetError) as raised:
        KerasModelDataset(filepath=filepath, version=Version(None, None)).load()
    message = str(input_error_in(raised.value))
    assert message.startswith(f"model version v1 at {saved} cannot be loaded")
    assert "not a whole .keras archive" in message
    assert "--load-versions" in message
    assert "kedro_tensorflow_tmp" not in message
