"""Drawing the demo pictures on every core, and removing a product's picture files.

Pictures are drawn in a pool of forked processes while the main process goes on writing variants, prices
and stock. The workers never touch the database; they write files through the default storage and
return the names for the `ProductMedia` rows the main process inserts.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from collections.abc import Sequence

from django.core.files.storage import default_storage

from comptoir.demo.images import ImageJob, RenderedImage, render_image

# Below this many pictures a pool costs more than it saves (and tests stay in one process).
POOL_THRESHOLD = 64


class Pictures:
    """Pictures being drawn: started on creation, collected with `results()`, or stopped with `abort()`."""

    def __init__(self, jobs: Sequence[ImageJob], *, workers: int | None = None) -> None:
        self.jobs = list(jobs)
        workers = workers or _cores()
        self._pool = None
        self._pending = None
        # Fork only: the workers inherit the configured settings and storage (a spawned worker would
        # re-read settings, and the tests' temporary MEDIA_ROOT with them). Where fork is missing, draw inline.
        if workers > 1 and len(self.jobs) >= POOL_THRESHOLD and "fork" in multiprocessing.get_all_start_methods():
            self._pool = multiprocessing.get_context("fork").Pool(workers)
            self._pending = self._pool.map_async(render_image, self.jobs, chunksize=8)

    def results(self) -> list[RenderedImage]:
        """Wait for every picture; re-raises the first worker error."""
        if self._pool is None:
            return [render_image(job) for job in self.jobs]
        try:
            return self._pending.get()
        finally:
            self._pool.close()
            self._pool.join()

    def abort(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()


def _cores() -> int:
    counter = getattr(os, "process_cpu_count", os.cpu_count)  # process_cpu_count honours CPU affinity (3.13)
    return max(1, min(counter() or 1, 8))


def delete_product_files(product_ids: Sequence[int]) -> int:
    """Delete every file stored under `products/<id>/` (originals and renditions). Returns how many."""
    deleted = 0
    for product_id in product_ids:
        folder = f"products/{product_id}"
        try:
            _, files = default_storage.listdir(folder)
        except (FileNotFoundError, NotImplementedError):
            continue
        for name in files:
            default_storage.delete(f"{folder}/{name}")
            deleted += 1
        with contextlib.suppress(NotImplementedError, OSError):  # object storage has no folders to remove
            os.rmdir(default_storage.path(folder))
    return deleted
