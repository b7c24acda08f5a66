"""Every run starts from the seed; op determinism only when the parameter asks for it."""

from __future__ import annotations

import keras
import pytest
import tensorflow as tf
from kedro.io import DataCatalog, MemoryDataset

from image_classification.core.params.training import TrainingParams
from image_classification.hooks.run_setup import SeedHooks
from tests.conftest import base_parameters


def _catalog(deterministic: bool, typed: bool = False) -> DataCatalog:
    """Parameters as a dict, or as the typed model Kedro makes of them in a real run."""
    training = base_parameters("training") | {"deterministic": deterministic}
    return DataCatalog(
        {
            "params:seed": MemoryDataset(11),
            "params:training": MemoryDataset(
                TrainingParams(**training) if typed else training
            ),
        }
    )


@pytest.fixture
def determinism_calls(monkeypatch) -> list:
    """Records calls instead of switching determinism on for the whole test process."""
    calls = []
    monkeypatch.setattr(
        tf.config.experimental, "enable_op_determinism", lambda: calls.append(1)
    )
    return calls


@pytest.mark.parametrize("typed", [False, True])
@pytest.mark.parametrize("deterministic", [False, True])
def test_op_determinism_follows_the_parameter(deterministic, typed, determinism_calls):
    SeedHooks().before_pipeline_run({}, None, _catalog(deterministic, typed))
    assert determinism_calls == ([1] if deterministic else [])


def test_the_run_starts_from_the_seed_parameter(determinism_calls):
    SeedHooks().before_pipeline_run({}, None, _catalog(False))
    first = keras.random.uniform((3,)).numpy()
    SeedHooks().before_pipeline_run({}, None, _catalog(False))
    assert (keras.random.uniform((3,)).numpy() == first).all()
