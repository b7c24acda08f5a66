"""A throw-away copy of the project (config only) around a generated image folder.

Runs write their versioned outputs into the copy, never into the repository's data/.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from kedro.config import OmegaConfigLoader
from kedro.framework.project import configure_project

from image_classification.pipeline_registry import register_pipelines

PROJECT_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = PROJECT_ROOT / "notebooks" / "explore_a_run.ipynb"
KEDRO = str(Path(sys.executable).with_name("kedro"))

# Small and fast: the integration tests check the wiring, not the accuracy.
FAST_TRAINING = {
    "training": {"conv_filters": [4, 8], "dense_units": 8, "max_epochs": 2, "verbose": 0},
    "augmentation": {"batch_size": 16},
    "data_validation": {"sample_images_per_class": 2},
}


def make_project_copy(root: Path, local_parameters: dict | None = None) -> Path:
    """Copy conf/base, conf/logging.yml, pyproject.toml and .telemetry into ``root``;
    write conf/local."""
    shutil.copytree(PROJECT_ROOT / "conf" / "base", root / "conf" / "base")
    shutil.copy(PROJECT_ROOT / "conf" / "logging.yml", root / "conf" / "logging.yml")
    (root / "conf" / "local").mkdir()
    for name in ("pyproject.toml", ".telemetry"):
        shutil.copy(PROJECT_ROOT / name, root / name)
    # Kedro wants a source folder; the package itself is imported as installed.
    (root / "src").mkdir()
    if local_parameters:
        text = yaml.safe_dump(local_parameters)
        (root / "conf" / "local" / "parameters.yml").write_text(text)
    return root


def run_kedro(project: Path, *args: str) -> subprocess.CompletedProcess:
    """The real `kedro` command in ``project``, as a user runs it."""
    # A wide terminal keeps Kedro's rich log lines unwrapped, so they can be searched.
    return subprocess.run(
        [KEDRO, *args],
        cwd=project,
        env=os.environ | {"COLUMNS": "300"},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def base_config(key: str) -> dict:
    """``catalog``, ``parameters``... of `conf/base`, ``${globals:}`` resolved as Kedro
    resolves them."""
    loader = OmegaConfigLoader(
        str(PROJECT_ROOT / "conf"), base_env="base", default_run_env="base"
    )
    return loader[key]


def versioned_outputs(pipeline: str = "__default__") -> dict[str, str]:
    """Catalog name -> file path of every versioned dataset that ``pipeline`` writes."""
    configure_project("image_classification")
    written = register_pipelines()[pipeline].all_outputs()
    catalog = base_config("catalog")
    return {
        name: entry["filepath"]
        for name, entry in catalog.items()
        if isinstance(entry, dict) and entry.get("versioned") and name in written
    }


def saved_versions(project: Path, filepath: str) -> list[Path]:
    """The saved files of one versioned dataset, oldest first."""
    folder = project / filepath
    return sorted(folder.glob(f"*/{folder.name}"))


def tree_digest(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder``, by relative path."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def latest_json(project: Path, name: str):
    """The newest saved version of the JSON dataset ``name``."""
    return json.loads(saved_versions(project, versioned_outputs()[name])[-1].read_text())


def error_line(result: subprocess.CompletedProcess) -> str:
    """The line a user error ends with, after checking that the whole console holds
    at most 3 lines: no traceback, no TensorFlow start-up notes, no Kedro advice."""
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    console = (result.stdout + result.stderr).strip().splitlines()
    assert len(console) <= 3, "\n".join(console)
    assert result.stderr.strip().splitlines()[-1].startswith("Error: ")
    return result.stderr.strip().splitlines()[-1]


def executed_notebook(project: Path):
    """The newcomer's notebook run in ``project/notebooks``, as `kedro jupyter` opens
    it (``KEDRO_ENV`` picks the environment); raises CellExecutionError, with the cell
    and its traceback, if any cell fails."""
    import nbclient  # noqa: PLC0415
    import nbformat  # noqa: PLC0415

    folder = project / "notebooks"
    folder.mkdir(exist_ok=True)
    shutil.copy(NOTEBOOK, folder)
    notebook = nbformat.read(folder / NOTEBOOK.name, as_version=4)
    nbclient.NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": folder}},
    ).execute()
    return notebook
