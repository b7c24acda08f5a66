"""The bundled demo images are what the README's command makes, byte for byte."""

from __future__ import annotations

import subprocess
import sys

from tests.project_copy import PROJECT_ROOT, tree_digest


def test_the_readme_command_regenerates_the_demo_byte_for_byte(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "image_classification.demo_images", str(tmp_path / "demo")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    bundled = PROJECT_ROOT / "data" / "01_raw"
    assert tree_digest(tmp_path / "demo") == tree_digest(bundled / "demo")
    made = (tmp_path / "demo_faults.json").read_text()
    assert made == (bundled / "demo_faults.json").read_text()
