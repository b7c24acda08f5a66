"""A fault in the user's data or configuration is found however deep it was wrapped."""

from __future__ import annotations

from image_classification.core.errors import InputError, input_error_in


def _raised_inside(wrap) -> BaseException:
    try:
        try:
            raise InputError("class cat has 3 images; 10 needed")
        except InputError as error:
            wrap(error)
    except Exception as outer:
        return outer
    raise AssertionError("nothing was raised")


def test_an_input_error_is_found_through_causes_and_contexts():
    def cause(error):
        raise RuntimeError("dataset failed") from error

    def context(error):
        raise KeyError("while handling it")

    for wrap in (cause, context):
        found = input_error_in(_raised_inside(wrap))
        assert isinstance(found, InputError)
        assert str(found) == "class cat has 3 images; 10 needed"


def test_a_programming_error_is_not_taken_for_one():
    assert input_error_in(ValueError("a bug")) is None
    assert input_error_in(None) is None
    looped = RuntimeError("a")
    looped.__context__ = RuntimeError("b")
    looped.__context__.__context__ = looped
    assert input_error_in(looped) is None  # a cycle ends the search
