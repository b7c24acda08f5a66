"""At most two glibc malloc arenas in every process that imports the package (glibc
only).

glibc gives threads their own heaps ("arenas"), up to eight per core, and each keeps
some memory it has freed for reuse. TensorFlow's and tf.data's threads (25 while
training here) each allocate batches and tensors, so on the 50,000-image CIFAR-10 set
16 arenas each ended up holding 5-6 MB of free memory, one epoch after another: the
training's anonymous memory grew from about 510 MB after the first epoch to 598 MB
after the 40th. With two arenas it peaked at 545 MB, at the same images/s (measured:
benchmarks/README.md). Same as starting Python with ``MALLOC_ARENA_MAX=2``, which,
when set, is left to decide.
"""

from __future__ import annotations

import ctypes
import os

_M_ARENA_MAX = -8  # mallopt's parameter number, from glibc's malloc.h
ARENAS = 2


def limit_malloc_arenas() -> bool:
    """Cap glibc's arenas at ``ARENAS`` unless ``MALLOC_ARENA_MAX`` says otherwise.

    Arenas that already exist stay; threads started later share the capped set, so
    this is called before TensorFlow starts its threads (on importing the package).
    False where the C library is not glibc, or the environment sets the cap.
    """
    if "MALLOC_ARENA_MAX" in os.environ:
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (AttributeError, OSError):
        return False
    return bool(mallopt(_M_ARENA_MAX, ARENAS))
