"""Writes that a crash cannot leave half done: the old bytes or the new, never part."""

from __future__ import annotations

import pytest

from image_classification.core.storage import join, replace_file, staged_folder, write_whole


def test_a_file_is_replaced_whole_and_nothing_is_left_staged(tmp_path):
    target = tmp_path / "deep" / "state.json"
    write_whole(str(target), b"first")
    write_whole(str(target), b"second")
    assert target.read_bytes() == b"second"
    assert [p.name for p in target.parent.iterdir()] == ["state.json"]


def test_a_write_that_fails_leaves_the_old_file(tmp_path):
    target = tmp_path / "model.keras"
    target.write_bytes(b"good")

    def crash(staged: str) -> None:
        with open(staged, "wb") as file:
            file.write(b"ha")
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        replace_file(str(target), crash)
    assert target.read_bytes() == b"good"


def test_a_folder_appears_whole_or_not_at_all(tmp_path):
    folder = tmp_path / "pack"
    with pytest.raises(RuntimeError), staged_folder(str(folder)) as staged:
        (tmp_path / ".partial-pack" / "a.npy").write_bytes(b"x")
        assert staged.endswith(".partial-pack")
        raise RuntimeError("killed")
    assert not folder.exists()
    with staged_folder(str(folder)) as staged:
        (tmp_path / ".partial-pack" / "a.npy").write_bytes(b"x")
    assert (folder / "a.npy").read_bytes() == b"x"


def test_join_keeps_the_scheme_of_a_url():
    assert (
        join("s3://bucket/data", "06_models", "x.json")
        == "s3://bucket/data/06_models/x.json"
    )
    assert join("/data", "x.json") == "/data/x.json"
