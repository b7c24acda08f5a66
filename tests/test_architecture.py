"""The import rules that keep the stages independent: pipelines share the core, never
each other's code; the core knows nothing of Kedro; the settings load no TensorFlow."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[1] / "src/image_classification"


def _imported(path: Path) -> set[str]:
    """Absolute names of the modules ``path`` imports (relative imports resolved)."""
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = parts[: len(parts) - node.level]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def _modules(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


@pytest.mark.parametrize(
    "stage", sorted(p.name for p in (PACKAGE / "pipelines").iterdir() if p.is_dir())
)
def test_a_pipeline_imports_no_other_pipeline(stage):
    own = f"image_classification.pipelines.{stage}"
    for path in _modules(PACKAGE / "pipelines" / stage):
        others = {
            name
            for name in _imported(path)
            if name.startswith("image_classification.pipelines.")
            and not name.startswith(own)
        }
        assert not others, f"{path.relative_to(PACKAGE)} imports {sorted(others)}"


def test_pipelines_are_composed_in_the_registry_alone():
    """A pipeline that loaded others (by ``importlib`` or through the registry) would
    hide from the test above what it depends on."""
    for path in _modules(PACKAGE / "pipelines"):
        names = _imported(path)
        assert "importlib" not in names, path
        assert not any(".pipeline_registry" in name for name in names), path


def test_the_core_imports_neither_kedro_nor_the_rest_of_the_package():
    for path in _modules(PACKAGE / "core"):
        names = _imported(path)
        outside = {
            name
            for name in names
            if name.startswith("image_classification.")
            and not name.startswith("image_classification.core")
        }
        assert not outside, f"{path.relative_to(PACKAGE)} imports {sorted(outside)}"
        assert not any(name.split(".")[0] == "kedro" for name in names), path


def test_loading_the_settings_imports_no_tensorflow_and_no_pipeline():
    probe = (
        "import sys, image_classification.settings\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras')"
        " or m.startswith('image_classification.pipelines')]\n"
        "print(loaded)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def _functions(folder: Path) -> list[tuple[str, ast.FunctionDef]]:
    return [
        (f"{path.relative_to(PACKAGE)}::{node.name}", node)
        for path in _modules(folder)
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]


def test_no_function_is_longer_than_a_screen():
    """A function a newcomer reads in one go: 60 lines, docstring included."""
    long = {
        name: node.end_lineno - node.lineno + 1
        for name, node in _functions(PACKAGE)
        if node.end_lineno - node.lineno + 1 > 60
    }
    assert not long


def _nodes():
    from kedro.framework.project import configure_project  # noqa: PLC0415

    from image_classification.pipeline_registry import register_pipelines  # noqa: PLC0415

    configure_project("image_classification")
    return {
        node.name: node
        for pipeline in register_pipelines().values()
        for node in pipeline.nodes
    }


def test_no_node_takes_more_than_six_inputs():
    wide = {name: node.inputs for name, node in _nodes().items() if len(node.inputs) > 6}
    assert not wide


def test_a_node_returns_one_type():
    """A node whose output is this or that makes each reader branch on it."""
    returns = {
        name: str(node.func.__annotations__.get("return", ""))
        for name, node in _nodes().items()
    }
    unions = {
        name: hint for name, hint in returns.items() if " | " in hint or "Union" in hint
    }
    assert not unions
