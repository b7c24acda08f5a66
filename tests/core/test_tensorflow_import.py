"""TensorFlow's start-up notes stay off the console, and come back if the import
fails."""

from __future__ import annotations

import subprocess
import sys

QUIET = (
    "from image_classification.core.tensorflow_import import import_tensorflow_quietly\n"
    "import_tensorflow_quietly()\n"
    "import sys; print('tensorflow' in sys.modules)\n"
)


def test_the_import_writes_nothing_to_the_console():
    result = subprocess.run(
        [sys.executable, "-c", QUIET], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "True"
    assert result.stderr == ""


def test_a_failing_import_shows_what_was_held_back():
    failing = (
        "import builtins, os\n"
        "from image_classification.core.tensorflow_import import (\n"
        "    import_tensorflow_quietly,\n"
        ")\n"
        "real = builtins.__import__\n"
        "def fake(name, *args, **kwargs):\n"
        "    if name in ('keras', 'tensorflow'):\n"
        "        os.write(2, b'held note\\n')\n"
        "        raise ImportError('no tensorflow')\n"
        "    return real(name, *args, **kwargs)\n"
        "builtins.__import__ = fake\n"
        "import_tensorflow_quietly()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", failing], check=False, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "held note" in result.stderr
    assert "ImportError: no tensorflow" in result.stderr
