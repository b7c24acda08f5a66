"""Each parameter is documented once: a line of why in its pydantic Field, and at most
a short comment beside it in `conf/base/parameters*.yml`."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

from pydantic import BaseModel, RootModel

import image_classification.core.params as params_package

CONF = Path(__file__).parents[2] / "conf" / "base"


def _fields():
    """Every field of every parameter model, but the groups (a model of their own,
    which its class docstring describes)."""
    for module_info in pkgutil.iter_modules(params_package.__path__):
        module = importlib.import_module(f"{params_package.__name__}.{module_info.name}")
        for _, model in inspect.getmembers(module, inspect.isclass):
            if (
                not issubclass(model, BaseModel)
                or issubclass(model, RootModel)
                or model.__module__ != module.__name__
            ):
                continue
            for name, info in model.model_fields.items():
                annotation = info.annotation
                if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                    continue
                yield f"{model.__name__}.{name}", info


def test_every_parameter_says_what_it_is_for():
    fields = dict(_fields())
    assert len(fields) > 100
    assert not [name for name, info in fields.items() if not info.description]


def test_the_configuration_carries_at_most_one_short_comment_per_setting():
    for path in sorted(CONF.glob("parameters*.yml")):
        lines = path.read_text().splitlines()
        pairs = zip(lines, [*lines[1:], ""], strict=True)
        for number, (line, following) in enumerate(pairs, 1):
            where = f"{path.name}:{number}"
            assert len(line) <= 92, where
            comment = line.lstrip().startswith("#")
            assert not (comment and following.lstrip().startswith("#")), where
