"""Project settings: see https://docs.kedro.org/en/stable/configure/configuration_basics/"""

import os
from pathlib import Path

from kedro.config import OmegaConfigLoader
from kedro.utils import find_kedro_project

from image_classification.hooks.run_setup import (
    ParameterCheckHooks,
    SeedHooks,
    StorageCredentialsHooks,
)
from image_classification.hooks.run_summary import RunSummaryHooks
from image_classification.hooks.tracking import MlflowReportHooks

# MLflow sends usage data unless told not to (it reads DO_NOT_TRACK only as "true").
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

HOOKS = (
    ParameterCheckHooks(),
    StorageCredentialsHooks(),
    SeedHooks(),
    MlflowReportHooks(),
    RunSummaryHooks(),
)


def _project_path() -> str:
    """The project Kedro works in, found as Kedro finds it: from the working folder up.

    Kedro makes the catalog's relative paths absolute, but a relative SQLite URI in
    mlflow.yml is opened from the working folder: a session started in `notebooks/`
    made a second database there. mlflow.yml writes its paths with this instead.
    """
    return (find_kedro_project(Path.cwd()) or Path.cwd()).as_posix()


CONFIG_LOADER_CLASS = OmegaConfigLoader
CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    # `conf/local` (or `--env NAME`) overrides single keys, e.g. only
    # `data_validation.classes`, instead of replacing the whole parameter group.
    "merge_strategy": {"parameters": "soft", "globals": "soft", "mlflow": "soft"},
    "custom_resolvers": {"project_path": _project_path},
}
