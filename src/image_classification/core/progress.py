"""Progress bars for work that can take more than a few seconds.

tqdm draws them on a terminal and stays silent elsewhere (``disable=None``: off when
stderr is not a terminal), so CI logs and piped output get no carriage-return spam.
"""

from __future__ import annotations

from collections.abc import Iterable

from tqdm.auto import tqdm


def progress(
    iterable: Iterable | None = None,
    *,
    total: int | None = None,
    description: str,
    unit: str = "it",
) -> tqdm:
    """A bar over ``iterable`` (or one to ``update`` by hand up to ``total``), removed
    when done: the run's summary says what came of it."""
    return tqdm(
        iterable,
        total=total,
        desc=description,
        unit=unit,
        disable=None,
        leave=False,
        dynamic_ncols=True,
    )
