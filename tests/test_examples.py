"""Every script in examples/ runs and prints what it promises."""

import subprocess
import sys

import pytest

from conftest import REPO

EXPECT = {
    "analyse_csv.py": "left hold above 90 deg: 3",
    "compare_left_right.py": "sprint.peak_flexion_deg: left",
    "simulate_and_angles.py": "left_thigh: elevation RMSE",
    "record_csv.py": "recorded 300 samples, 100 Hz",
    "batch_cohort.py": "4 sessions, 0 failed",
    "record_ble.py": "samples at 104 Hz",
    "dataframes.py": "checks: 0 failed of 21",
}


@pytest.mark.parametrize("script", sorted(EXPECT))
def test_example_runs(script, tmp_path):
    args = [str(tmp_path / "out.csv")] if script in ("record_csv.py", "record_ble.py") else []
    r = subprocess.run([sys.executable, str(REPO / "examples" / script), *args], capture_output=True, text=True,
                       cwd=tmp_path, timeout=300)
    assert r.returncode == 0, r.stderr
    assert EXPECT[script] in r.stdout


def test_every_example_is_tested():
    assert {p.name for p in (REPO / "examples").glob("*.py")} == set(EXPECT)
