"""Decode every raw file once, quarantine what cannot be trained on, report the rest."""

__all__ = ["create_pipeline"]


def __getattr__(name: str):
    """``create_pipeline`` on first use: the processes that inspect files import
    ``checks`` from this package and need neither Kedro nor pandas."""
    if name == "create_pipeline":
        from .pipeline import create_pipeline  # noqa: PLC0415

        return create_pipeline
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
