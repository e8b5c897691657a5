"""Clock sync and lost-packet detection for streaming sensors."""

import numpy as np
import pytest

from imuhip.ble.clock import ClockSync, GapDetector, unwrap_us


def test_offset_and_drift_recovered_despite_random_delays():
    rng = np.random.default_rng(1)
    sync = ClockSync()
    offset, drift = 12.5, 40e-6  # device clock 12.5 s behind, 40 ppm slow
    device = np.arange(0, 600, 0.1)  # ten minutes of notifications
    host = device * (1 + drift) + offset + rng.exponential(0.015, device.size) + 0.004
    for d, h in zip(device, host):
        sync.observe(d, h)
    est = sync.to_session(device)
    true = device * (1 + drift) + offset
    print(f"\nclock sync error: max {np.abs(est - true - 0.004).max() * 1e3:.2f} ms")
    assert np.abs(est - true - 0.004).max() < 0.002  # within 2 ms of the fixed minimum link delay


def test_gap_detector_counts_lost_and_wraps():
    det = GapDetector()
    assert det.feed(65533) is None and det.feed(65534) is None
    assert det.feed(2) == (65535, 3)  # 65535, 0, 1 lost across the wrap
    assert det.feed(3) is None
    assert det.feed(3) == (3, 0)


@pytest.mark.parametrize("prev,raw,expected", [(None, 5, 5), (2**32 - 10, 20, 2**32 + 20),
                                               (2**32 + 20, 40, 2**32 + 40), (100, 90, 90)])
def test_unwrap_microseconds(prev, raw, expected):
    assert unwrap_us(raw, prev) == expected
