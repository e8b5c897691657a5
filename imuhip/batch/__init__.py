"""Many recordings at once, on this machine's cores or a Dask cluster: `imuhip batch`."""

from imuhip.batch.discover import find_recordings
from imuhip.batch.runner import BatchResult, run_batch
from imuhip.batch.work import Settings

__all__ = ["BatchResult", "Settings", "find_recordings", "run_batch"]
