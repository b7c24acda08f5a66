"""The one exception type for faults in what the user gave: data or configuration.

A missing folder, a class with too few images, a labels file naming unknown classes, a
limit the data exceeds, a model file or champion pointer that cannot be read: the user
can fix each of these, and a traceback from deep inside the pipeline only hides the
message. The project's commands (``kedro run``, ``kedro retrain``) print an
``InputError``'s message alone and exit with status 1, wherever it was raised (Kedro
wraps a dataset's errors; the cause is found in the chain). Programming errors are
other exceptions and keep their traceback.
"""

from __future__ import annotations


class InputError(Exception):
    """A fault in the data or configuration: the message names the file or setting,
    the value found and the fix."""


def input_error_in(error: BaseException | None) -> InputError | None:
    """The ``InputError`` that caused ``error``, if any, following ``__cause__`` and
    ``__context__`` (a dataset's error arrives wrapped in Kedro's ``DatasetError``)."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, InputError):
            return error
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return None
