"""Progress bars: drawn on a terminal only, so logs get no carriage returns."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

SCRIPT = """
from image_classification.core.progress import progress
with progress(total=1000, description="validating files", unit="file") as bar:
    for _ in range(10):
        bar.update(100)
print("done")
"""
# A new pseudo-terminal is 0 columns wide: give it a width, as a real terminal has.
SIZED_TERMINAL = """
import fcntl, struct, termios
fcntl.ioctl(2, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
"""


def test_a_bar_writes_nothing_when_stderr_is_not_a_terminal():
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "done"
    assert result.stderr == ""  # nothing drawn into the log


def test_a_bar_is_drawn_on_a_terminal():
    """The same script under a pseudo-terminal: the bar appears."""
    output = []

    def read(descriptor: int) -> bytes:
        data = os.read(descriptor, 4096)
        output.append(data)
        return data

    pty.spawn([sys.executable, "-c", SIZED_TERMINAL + SCRIPT], read)
    assert "validating files" in b"".join(output).decode(errors="replace")
