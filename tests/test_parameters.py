"""Kedro validates the typed parameters before any node runs."""

from __future__ import annotations

import pytest
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project
from kedro.validation import ParameterValidationError

from tests.project_copy import make_project_copy


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = make_project_copy(tmp_path_factory.mktemp("params"))
    bootstrap_project(root)
    return root


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"training": {"dropout": 1.5}}, r"'training'[\s\S]*dropout[\s\S]*less than 1"),
        (
            {"training": {"patience": -1}},
            r"'training'[\s\S]*patience[\s\S]*greater than or equal to 0",
        ),
        (
            {"data_split": {"fractions": {"train": 0.8}}},
            r"'data_split'[\s\S]*fractions must sum to 1, got 1.1",
        ),
        (
            {"augmentation": {"layers": {"zoom": 0.2}}},
            r"'augmentation'[\s\S]*layers.zoom[\s\S]*Extra inputs are not permitted",
        ),
        (
            {"augmentation": {"layers": {"flip": "diagonal"}}},
            r"layers.flip[\s\S]*'horizontal'",
        ),
        (
            {"data_validation": {"max_quarantined_fraction": 2}},
            r"max_quarantined_fraction[\s\S]*less than or equal to 1",
        ),
    ],
)
def test_bad_parameter_fails_before_any_work_naming_it(project, override, expected):
    with (
        KedroSession.create(project_path=project, runtime_params=override) as session,
        pytest.raises(ParameterValidationError, match=expected),
    ):
        session.run()
    assert not (project / "data").exists()
