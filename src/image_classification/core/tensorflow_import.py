"""TensorFlow imported without its start-up notes on the console.

Importing TensorFlow writes several lines to the process's stderr from C++ (oneDNN,
the CPU's instructions, absl's "log messages before InitializeLog"), which
``TF_CPP_MIN_LOG_LEVEL`` no longer silences. Before a one-line error they read as the
error. They go to a temporary file instead, and back to the console only when the
import fails, where they may explain why.
"""

from __future__ import annotations

import os
import sys
import tempfile


def import_tensorflow_quietly() -> None:
    """Import TensorFlow and Keras, unless done already, with stderr held back."""
    if "tensorflow" in sys.modules:
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as notes:
        os.dup2(notes.fileno(), 2)
        try:
            import keras  # noqa: F401, PLC0415
            import tensorflow  # noqa: F401, PLC0415
        except BaseException:
            os.dup2(saved, 2)
            notes.seek(0)
            sys.stderr.write(notes.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)
