"""A process's peak resident memory, split into anonymous and file-backed pages.

Peak RSS counts every resident page: the process's own allocations (anonymous) and
the pages of files it maps (file-backed: shared libraries, TensorFlow's
alone about 0.3 GB, and the image pack's shards). File-backed pages are clean copies of
files the operating system drops under memory pressure and reads again when touched;
anonymous pages are what the process holds. Linux's ``/proc/self/status`` gives both;
a thread samples them, since only the total has a kernel-kept peak (``VmHWM``). Not
``ru_maxrss``: a process started by ``subprocess`` inherits its parent's peak there (the
kernel carries it across fork and exec), so a child of a script that validated 50,000
images reported the parent's 1.4 GB as its own.
"""

from __future__ import annotations

import threading
from pathlib import Path

_STATUS = Path("/proc/self/status")
_SAMPLED = ("RssAnon", "RssFile")


def _status_mb() -> dict[str, float]:
    """The memory fields of ``/proc/self/status`` (kB there), in MB."""
    values = {}
    for line in _STATUS.read_text().splitlines():
        name, _, value = line.partition(":")
        if value.strip().endswith("kB"):
            values[name] = int(value.split()[0]) / 1024
    return values


class PeakMemory:
    """Samples this process's resident memory every ``interval`` seconds while open.

    ``report()``: the kernel's peak RSS of this process (``VmHWM``), and the highest
    anonymous and file-backed resident memory sampled (MB; the three peaks need not
    fall at the same moment). Linux only.
    """

    def __init__(self, interval: float = 0.2):
        self._interval = interval
        self._peaks = dict.fromkeys(_SAMPLED, 0.0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while True:
            status = _status_mb()
            for name in _SAMPLED:
                self._peaks[name] = max(self._peaks[name], status[name])
            if self._stop.wait(self._interval):
                return

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def report(self) -> dict[str, float]:
        """``peak_rss_mb``, ``peak_anonymous_mb``, ``peak_file_backed_mb``."""
        return {
            "peak_rss_mb": _status_mb()["VmHWM"],
            "peak_anonymous_mb": self._peaks["RssAnon"],
            "peak_file_backed_mb": self._peaks["RssFile"],
        }

    @staticmethod
    def describe(report: dict[str, float]) -> str:
        """``peak RSS N MB (anonymous A, file-backed F)``."""
        return (
            f"peak RSS {report['peak_rss_mb']:.0f} MB (anonymous "
            f"{report['peak_anonymous_mb']:.0f}, file-backed "
            f"{report['peak_file_backed_mb']:.0f})"
        )
