"""Every parameter is checked before a run writes anything: misspelled keys at any
depth and values out of range are refused in words that name the setting, the value
and the fix."""

from __future__ import annotations

import pytest
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project

from image_classification.core.errors import InputError
from tests.project_copy import make_project_copy


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = make_project_copy(tmp_path_factory.mktemp("params"))
    bootstrap_project(root)
    return root


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        (
            {"training": {"dropout": 1.5}},
            "training.dropout is 1.5, but must be less than 1: set it in "
            "conf/base/parameters*.yml or with --params training.dropout=VALUE",
        ),
        ({"training": {"patience": -1}}, "training.patience is -1, but must be greater"),
        (
            {"data_split": {"fractions": {"train": 0.8}}},
            "data_split.fractions is {'train': 0.8, 'validation': 0.15, 'test': 0.15}, "
            "but data_split.fractions must sum to 1, got 1.1",
        ),
        (
            {"augmentation": {"layers": {"zoom": 0.2}}},
            "augmentation.layers.zoom is not a parameter of this project",
        ),
        ({"augmentation": {"layers": {"flip": "diagonal"}}}, "must be 'horizontal'"),
        (
            {"data_validation": {"max_quarantined_fraction": 2}},
            "data_validation.max_quarantined_fraction is 2, but must be less than or",
        ),
        (
            {"trainng": {"max_epochs": 2}},
            "trainng is not a parameter of this project: did you mean training?",
        ),
        ({"nonexistent_key": 3}, "nonexistent_key is not a parameter of this project"),
        (
            {"training": {"max_epoch": 2}},
            "did you mean training.max_epochs? remove or rename it",
        ),
        (
            {"image_size": [0, 0]},
            "image_size is [0, 0], but must be auto or [height, width], each 8 to 1024",
        ),
        ({"image_size": "large"}, "image_size is 'large', but must be auto or"),
        ({"seed": "x"}, "seed is 'x', but must be a valid integer"),
    ],
)
def test_bad_parameter_fails_before_any_work_naming_it(project, override, expected):
    with (
        KedroSession.create(project_path=project, runtime_params=override) as session,
        pytest.raises(InputError) as raised,
    ):
        session.run()
    assert expected in str(raised.value)
    assert "[type=" not in str(raised.value)
    assert "pydantic" not in str(raised.value)
    assert not (project / "data").exists()


def test_two_faults_are_counted_after_the_first(project):
    override = {"training": {"dropout": 1.5, "patience": -1}}
    with (
        KedroSession.create(project_path=project, runtime_params=override) as session,
        pytest.raises(InputError, match=r"training.dropout .* \(1 more after it\)$"),
    ):
        session.run()
