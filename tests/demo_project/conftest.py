"""The demo project: `kedro run` once, read by every test of this folder.

The tests that read it live together so that pytest-xdist gives them one worker and
the run happens once (tests/conftest.py)."""

from __future__ import annotations

import shutil

import pytest

from tests.project_copy import PROJECT_ROOT, make_project_copy, run_kedro


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """`kedro run` with the shipped configuration on a copy of the bundled demo images:
    the project a newcomer has after the README's first command. Tests only read it,
    or add versions they account for."""
    project = make_project_copy(tmp_path_factory.mktemp("demo"))
    raw = project / "data" / "01_raw"
    shutil.copytree(PROJECT_ROOT / "data" / "01_raw" / "demo", raw / "demo")
    shutil.copy(PROJECT_ROOT / "data" / "01_raw" / "demo_faults.json", raw)
    return project, run_kedro(project, "run")
