"""Threads share at most two malloc arenas once the package is imported."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

# Six threads alive at once, each allocating with malloc, then malloc_info's count of
# arenas ("heaps"): glibc gives every new thread a new arena unless capped.
_SCRIPT = """
import ctypes, re, tempfile, threading
import image_classification

libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.fopen.restype = ctypes.c_void_p
libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
libc.fclose.argtypes = [ctypes.c_void_p]
all_allocated = threading.Barrier(6)

def allocate():
    libc.malloc(4096)
    all_allocated.wait()

threads = [threading.Thread(target=allocate) for _ in range(6)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
with tempfile.NamedTemporaryFile("r") as report:
    stream = libc.fopen(report.name.encode(), b"w")
    libc.malloc_info(0, stream)
    libc.fclose(stream)
    print(len(re.findall("<heap nr=", report.read())))
"""


def _arenas(**environment) -> int:
    run = subprocess.run(
        [sys.executable, "-c", _SCRIPT],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **environment},
    )
    return int(run.stdout.split()[-1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
def test_importing_the_package_caps_the_arenas_unless_the_environment_sets_them():
    assert _arenas() <= 2
    assert _arenas(MALLOC_ARENA_MAX="8") > 2  # the user's setting wins
