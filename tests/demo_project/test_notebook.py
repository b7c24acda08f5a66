"""The newcomer's notebook runs end to end on the demo project after `kedro run`, and
the repository holds it without outputs."""

from __future__ import annotations

import nbformat

from tests.project_copy import NOTEBOOK, executed_notebook


def _outputs(notebook, kind: str) -> list:
    return [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == kind
    ]


def test_notebook_is_committed_without_outputs():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code
    assert all(not cell.outputs and cell.execution_count is None for cell in code)


def test_notebook_runs_on_the_demo_project(demo_run):
    project, result = demo_run
    assert result.returncode == 0, result.stderr[-3000:]
    notebook = executed_notebook(project)
    folder = project / "notebooks"

    printed = "".join(output.get("text", "") for output in _outputs(notebook, "stream"))
    assert "verdict: " in printed
    assert "files:" in printed and "quarantined" in printed
    assert "saved model(s)" in printed
    figures = [
        output
        for output in _outputs(notebook, "display_data")
        if "image/png" in output.get("data", {})
    ]
    assert len(figures) >= 3  # sample grid, learning curves, the test images
    # The session opened from notebooks/ uses the project's MLflow database.
    assert not (folder / "data").exists()
    assert (project / "data" / "09_tracking" / "mlflow.db").is_file()
