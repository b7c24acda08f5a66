"""The split manifest: its splits and the fingerprint of what models learn from.

The manifest (one row per usable image: ``relative_path``, ``pixel_hash``, ``label``,
``label_index``, ``split``...) is what every stage after the split reads; the
fingerprint names its content, so runs, checkpoints and tracked models can say which
data they were trained and tested on.
"""

from __future__ import annotations

import hashlib

import pandas as pd

SPLITS = ("train", "validation", "test")
_FINGERPRINT_COLUMNS = ["relative_path", "pixel_hash", "label_index", "split"]


def manifest_fingerprint(split_manifest: pd.DataFrame) -> str:
    """SHA-256 (hex) of every image's path, pixels, label and split, in path order: the
    same data gives the same fingerprint whatever the order of the rows."""
    text = (
        split_manifest[_FINGERPRINT_COLUMNS]
        .sort_values("relative_path")
        .to_csv(index=False)
    )
    return hashlib.sha256(text.encode()).hexdigest()


def data_fingerprint(split_manifest: pd.DataFrame) -> str:
    """The first 16 hex digits of ``manifest_fingerprint``: short enough for a table
    column or a tracking tag, still unique among a project's runs."""
    return manifest_fingerprint(split_manifest)[:16]
