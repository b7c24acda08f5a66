"""Where validation's per-file work runs: this machine's processes, or a Dask cluster.

The work is the same either way: ``inspect_chunk`` on a run of listing rows. Rows hold
paths, never image bytes: each worker reads its files itself (a local path, or a URL
through fsspec with the storage settings handed to it). On Dask each worker also writes
the training pixels of its usable files itself (``dask_pixel_store``) and hands back
only their address, the index columns and the thumbnails. What needs every image at
once (the near-duplicate search on thumbnails) stays with the caller.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor

import fsspec.config
import numpy as np

from image_classification.core.image_pack import StoredShard
from image_classification.core.inspection import OK, InspectedChunk, inspect_chunk
from image_classification.core.params.data_validation import DataValidationParams
from image_classification.core.progress import progress
from image_classification.core.storage import filesystem, is_local, join

# Fewer files than this are inspected in this process: a spawned worker's start and
# join (1-2 s) cost more than it saves (benchmarks/validation_engines.py --files N).
_PROCESS_MIN_FILES = 10_000
# Chunks per worker process: small enough that the workers finish together, large
# enough that handing them out costs little.
_CHUNKS_PER_WORKER = 16


def inspect_chunk_configured(
    rows: Sequence[tuple],
    max_pixels: int,
    image_size: Sequence[int],
    fit: str,
    storage_config: dict,
) -> InspectedChunk:
    """``inspect_chunk`` in a worker, with this run's fsspec settings (credentials of
    the object store): a worker process does not share the caller's."""
    for protocol, options in storage_config.items():
        fsspec.config.conf[protocol] = dict(options)
    return inspect_chunk(rows, max_pixels, image_size, fit)


def inspect_chunk_storing_pixels(  # noqa: PLR0917 - Dask submits it by position
    rows: Sequence[tuple],
    max_pixels: int,
    image_size: Sequence[int],
    fit: str,
    storage_config: dict,
    url: str,
) -> InspectedChunk:
    """``inspect_chunk_configured``, the usable files' pixels written to ``url`` (one
    ``.npy``): the chunk handed back holds a ``StoredShard`` in place of the pixels,
    and ``decoded`` marks the files written."""
    chunk = inspect_chunk_configured(rows, max_pixels, image_size, fit, storage_config)
    usable = np.array([status == OK for status in chunk.columns["status"]], bool)
    paths = tuple(np.asarray(chunk.columns["relative_path"], dtype=object)[usable])
    if paths:
        fs, key = filesystem(url)
        if is_local(url):
            os.makedirs(os.path.dirname(os.path.abspath(url)), exist_ok=True)
        with fs.open(key, "wb") as file:
            np.save(file, chunk.pixels[usable], allow_pickle=False)
    shard = StoredShard(url, paths, (*image_size, 3))
    return chunk._replace(pixels=shard, decoded=usable)


def inspected_chunks(
    rows: list[tuple],
    params: DataValidationParams,
    image_size: tuple[int, int],
    fit: str = "squash",
    show_progress: bool = True,
) -> Iterator[tuple[int, InspectedChunk]]:
    """``rows`` inspected chunk by chunk, as (first row, chunk) in the order they are
    done, on ``params.engine``, with a progress bar on a terminal unless the caller
    shows its own. The pixels kept are at ``image_size``, fitted by ``fit`` (see
    ``core.decoding.resized_pixels``)."""
    if params.engine == "dask":
        chunks = _on_dask(rows, params, image_size, fit)
    else:
        chunks = _on_processes(rows, params, image_size, fit)
    if not show_progress:
        yield from chunks
        return
    with progress(total=len(rows), description="validating files", unit="file") as bar:
        for start, chunk in chunks:
            bar.update(len(chunk.decoded))
            yield start, chunk


def _on_processes(
    rows: list[tuple],
    params: DataValidationParams,
    image_size: tuple[int, int],
    fit: str,
) -> Iterator[tuple[int, InspectedChunk]]:
    """In ``workers`` processes (this one included) for a large folder, in this
    process alone for one under ``_PROCESS_MIN_FILES`` files.

    Per-file work is Python between Pillow calls, so threads wait on each other: on 2
    cores and the 10,000 CIFAR-10 sample, 2 threads inspected 1,232 files/s, one
    process 2,645 and 2 processes 4,744 (50,000 files: 2,088 and 4,256). A spawned
    process needs a second or two to start (it imports the main script again): this
    process does not wait for it but takes chunks from the end of the folder while the
    others take them from the start, until they meet; what the workers finished is
    handed on between its own chunks, so that it is not held twice. Callers from a
    script need the usual ``if __name__ == "__main__"`` guard of ``multiprocessing``.
    """
    workers = params.workers or os.cpu_count() or 1
    if workers == 1 or len(rows) < _PROCESS_MIN_FILES:
        yield 0, inspect_chunk(rows, params.max_pixels, image_size, fit)
        return
    size = math.ceil(len(rows) / (workers * _CHUNKS_PER_WORKER))
    yield from _shared_with_workers(
        rows, size, workers, (params.max_pixels, image_size, fit)
    )


def _shared_with_workers(
    rows: list[tuple], size: int, workers: int, settings: tuple
) -> Iterator[tuple[int, InspectedChunk]]:
    """Chunks of ``size`` rows, this process taking them from the end while
    ``workers - 1`` spawned ones take them from the start; ``settings`` are
    ``inspect_chunk``'s other arguments."""
    starts = range(0, len(rows), size)
    storage_config = dict(fsspec.config.conf)

    def inspect_here(start: int) -> InspectedChunk:
        return inspect_chunk(rows[start : start + size], *settings)

    # Spawned, not forked: the parent may hold TensorFlow's threads. Joined at the end,
    # even while a worker is still starting: a pool shut down without waiting left a
    # worker waiting for work at interpreter exit, and the process never ended.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers - 1, mp_context=context) as pool:
        pending = {
            start: pool.submit(
                inspect_chunk_configured,
                rows[start : start + size],
                *settings,
                storage_config,
            )
            for start in starts
        }
        # A chunk a worker has not taken yet can be cancelled, and done here instead.
        # One a worker finished was handed on (and left ``pending``) already.
        for start in reversed(starts):
            if start not in pending or not pending[start].cancel():
                break
            del pending[start]
            yield start, inspect_here(start)
            for finished in [key for key, future in pending.items() if future.done()]:
                yield finished, pending.pop(finished).result()
        # What is left a worker holds, or is still starting to take: taken when done,
        # else done here too rather than waited for (the worker's copy is dropped).
        for start, future in sorted(pending.items(), reverse=True):
            if future.done():
                yield start, future.result()
            else:
                yield start, inspect_here(start)


@contextlib.contextmanager
def _dask_client(params: DataValidationParams):
    """A client of the scheduler at ``dask_scheduler``, or of a LocalCluster of
    ``workers`` single-threaded processes (the per-file work holds the GIL)."""
    from distributed import Client, LocalCluster  # noqa: PLC0415 - only on this engine

    if params.dask_scheduler:
        with Client(params.dask_scheduler, timeout="30s") as client:
            yield client
        return
    workers = params.workers or os.cpu_count() or 1
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def _on_dask(
    rows: list[tuple],
    params: DataValidationParams,
    image_size: tuple[int, int],
    fit: str,
) -> Iterator[tuple[int, InspectedChunk]]:
    """On the workers of a Dask cluster, chunk by chunk as they finish. A worker that
    dies takes no result with it: the scheduler gives its chunks to another worker."""
    from distributed import as_completed  # noqa: PLC0415 - only on this engine

    storage_config = dict(fsspec.config.conf)
    # A folder of this run's own: a chunk re-run on another worker writes the same name.
    store = join(params.dask_pixel_store, uuid.uuid4().hex)
    with _dask_client(params) as client:
        threads = sum(client.nthreads().values()) or 1
        size = math.ceil(len(rows) / (threads * _CHUNKS_PER_WORKER))
        futures = {
            client.submit(
                inspect_chunk_storing_pixels,
                rows[start : start + size],
                params.max_pixels,
                image_size,
                fit,
                storage_config,
                join(store, f"chunk-{start:010d}.npy"),
                pure=False,
            ): start
            for start in range(0, len(rows), size)
        }
        for future in as_completed(futures):
            yield futures[future], future.result()
            future.release()
