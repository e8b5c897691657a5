import os
from pathlib import Path

import numpy as np
import pytest

from imuhip.recording import Recording, SensorData

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"


def shared_file(*parts: str) -> Path:
    """A file under ../shared/data: skip when absent, fail when IMUHIP_REQUIRE_SHARED_DATA=1."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        if os.environ.get("IMUHIP_REQUIRE_SHARED_DATA") == "1":
            pytest.fail(f"shared data file missing: {path}")
        pytest.skip(f"shared data not present: {path}")
    return path


def still_recording(n: int = 200, rate: float = 100.0) -> Recording:
    rng = np.random.default_rng(0)
    t = np.arange(n) / rate
    acc = np.array([0.1, 9.8, 0.2]) + rng.normal(0, 0.02, (n, 3))
    gyr = rng.normal(0, 0.01, (n, 3))
    return Recording({"left_thigh": SensorData(t, acc, gyr), "right_thigh": SensorData(t + 0.002, acc, gyr)})
