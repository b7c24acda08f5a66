"""Project settings: see https://docs.kedro.org/en/stable/configure/configuration_basics/"""

import os

from kedro.config import OmegaConfigLoader

from image_classification.hooks import SeedHooks
from image_classification.tracking import MlflowReportHooks

# MLflow sends usage data unless told not to (it reads DO_NOT_TRACK only as "true").
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

HOOKS = (SeedHooks(), MlflowReportHooks())

CONFIG_LOADER_CLASS = OmegaConfigLoader
CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    # `conf/local` (or `--env NAME`) overrides single keys, e.g. only
    # `data_validation.classes`, instead of replacing the whole parameter group.
    "merge_strategy": {"parameters": "soft", "globals": "soft"},
}
