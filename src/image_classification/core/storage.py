"""Paths on local disk or object storage, read and written the same way (fsspec).

A local path stays a plain path: the listing follows links, the writes are renamed into
place and synced. A URL (``s3://bucket/key``, ``gs://``, ``abfs://``...) goes to the
fsspec filesystem of its protocol, configured as fsspec configures one: from
``fsspec.config.conf`` (which ``StorageCredentialsHooks`` fills from Kedro's
credentials) or the client's own environment (``AWS_*`` for s3fs).

Object stores have no rename: a write there is atomic per object (a reader sees the old
object or the new one, never half of one), so a change that spans several objects
writes the new objects under new names first and the small object naming them last.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import shutil
from collections.abc import Callable, Iterator

import fsspec
from fsspec.core import url_to_fs
from fsspec.utils import get_protocol

from .errors import InputError

_LOCAL_PROTOCOLS = {"file", "local"}


def is_local(path: str) -> bool:
    """True for a path on this machine's disk (no protocol, or ``file://``)."""
    return get_protocol(str(path)) in _LOCAL_PROTOCOLS


def filesystem(path: str) -> tuple[fsspec.AbstractFileSystem, str]:
    """The filesystem of ``path`` and the path as that filesystem names it."""
    return url_to_fs(str(path))


def join(root: str, *parts: str) -> str:
    """``root/part/...`` for a URL or a local path alike."""
    if is_local(root):
        return os.path.join(root, *parts)
    return posixpath.join(str(root), *parts)


def fetch_objects(paths: list[str]) -> dict[str, bytes | Exception]:
    """The bytes of every URL among ``paths``, requested concurrently (s3fs sends them
    together), or the error reading each. Local paths are left out: read them as files.
    """
    urls = [path for path in paths if not is_local(path)]
    if not urls:
        return {}
    fs, _ = filesystem(urls[0])
    keys = {filesystem(url)[1]: url for url in urls}
    contents = fs.cat(list(keys), on_error="return")
    return {keys[key]: content for key, content in contents.items()}


def write_whole(path: str, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that a reader sees the old bytes or the new,
    never part of them: locally through ``replace_file``, on object storage one put
    (atomic per object)."""
    if not is_local(path):
        with storage_errors(path):
            fs, target = filesystem(path)
            fs.pipe_file(target, data)
        return
    replace_file(path, lambda staged: _write_bytes(staged, data))


def _write_bytes(path: str, data: bytes) -> None:
    with open(path, "wb") as file:
        file.write(data)


def replace_file(path: str, write: Callable[[str], None], suffix: str = "") -> None:
    """The project's one way to replace a local file: ``write`` makes the new file
    beside ``path``, which is synced and renamed over ``path`` (atomic on POSIX), and
    the rename synced. A crash leaves the old file whole.

    ``suffix`` ends the staged name (Keras wants ``.weights.h5`` on weights files).
    """
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    staged = f"{path}.partial{suffix}"
    write(staged)
    with open(staged, "rb") as file:
        os.fsync(file.fileno())
    os.replace(staged, path)
    sync_folder(folder)


@contextlib.contextmanager
def staged_folder(folder: str) -> Iterator[str]:
    """A scratch folder beside the local ``folder`` that becomes ``folder`` whole.

    Write into the yielded path; on leaving, every file in it is synced, the folder is
    renamed into place and the rename synced, so a crash leaves no half a folder under
    the final name. What a killed write left staged is removed first; missing parent
    folders are made.
    """
    parent, name = os.path.split(os.path.abspath(folder))
    staged = os.path.join(parent, f".partial-{name}")
    shutil.rmtree(staged, ignore_errors=True)
    os.makedirs(staged)
    yield staged
    for directory, _, names in os.walk(staged):
        for file_name in names:
            with open(os.path.join(directory, file_name), "rb") as file:
                os.fsync(file.fileno())
    os.rename(staged, folder)
    sync_folder(parent)


def sync_folder(path: str) -> None:
    """Make a rename in the local folder ``path`` durable."""
    folder = os.open(path, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def storage_error_message(path: str, error: BaseException) -> str:
    """One line for a failed read or write on object storage: what, where, the fix."""
    text = (
        str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    )
    if isinstance(error, PermissionError) or "credential" in text.lower():
        fix = "check the credentials (conf/local/credentials.yml, see README)"
    elif isinstance(error, FileNotFoundError):
        fix = "check that the bucket and path exist"
    else:
        fix = "check the URL, the network and the credentials"
    return f"object storage refused {path} ({text}): {fix}"


@contextlib.contextmanager
def storage_errors(path: str) -> Iterator[None]:
    """Turn a client's error on a URL (botocore's, s3fs', ...) into one InputError line.
    Local paths raise as they always did."""
    try:
        yield
    except InputError:
        raise
    except Exception as error:
        if is_local(str(path)):
            raise
        raise InputError(storage_error_message(str(path), error)) from error
