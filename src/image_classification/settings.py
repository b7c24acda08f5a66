"""Project settings: see https://docs.kedro.org/en/stable/configure/configuration_basics/"""

from kedro.config import OmegaConfigLoader

from image_classification.hooks import SeedHooks

HOOKS = (SeedHooks(),)

CONFIG_LOADER_CLASS = OmegaConfigLoader
CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    # `conf/local` (or `--env NAME`) overrides single keys, e.g. only
    # `data_validation.classes`, instead of replacing the whole parameter group.
    "merge_strategy": {"parameters": "soft", "globals": "soft"},
}
