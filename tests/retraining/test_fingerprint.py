"""The state of `kedro retrain` in a bucket: fingerprints of the inputs, and a state
replaced whole."""

from __future__ import annotations

import fsspec

from image_classification.retraining.fingerprint import (
    folder_fingerprint,
    read_state,
    write_state,
)


def test_state_and_fingerprints_on_object_storage(bucket, object_storage, tmp_path):
    state = f"{bucket}/06_models/retraining_state.json"
    assert read_state(state) is None
    write_state(state, {"data": "abc"})
    assert read_state(state)["fingerprint"] == {"data": "abc"}
    images = tmp_path / "images"
    (images / "cat").mkdir(parents=True)
    (images / "cat" / "1.png").write_bytes(b"one")
    object_storage.upload(images, f"{bucket}/images")
    first = folder_fingerprint(f"{bucket}/images")
    assert folder_fingerprint(f"{bucket}/images") == first
    fs, key = fsspec.core.url_to_fs(f"{bucket}/images/cat/1.png")
    fs.pipe_file(key, b"two")
    assert folder_fingerprint(f"{bucket}/images") != first
