"""Clock sync and lost-packet detection for streaming sensors."""

import numpy as np
import pytest

from imuhip.ble.clock import GapDetector, SessionClock, unwrap_us


def stream_through(clock, device, host, per_packet=10):
    """Packets of `per_packet` samples through `clock`; the session time of every sample."""
    return np.concatenate([clock.to_session(device[i:i + per_packet], host[min(i + per_packet, len(host)) - 1])
                           for i in range(0, len(device), per_packet)])


def test_drift_corrected_continuously_despite_random_delays():
    rng = np.random.default_rng(1)
    offset, drift = 12.5, 40e-6  # device clock 12.5 s behind, 40 ppm slow
    device = np.arange(0, 600, 0.01)  # ten minutes at 100 Hz, notifications of 10 samples
    delay = np.repeat(rng.exponential(0.015, device.size // 10), 10) + 0.004
    true = device * (1 + drift) + offset
    clock = SessionClock()
    session = stream_through(clock, device, true + delay)
    err = session - true - 0.004  # the fixed minimum link delay is indistinguishable from the offset
    settled, late = device > 45, device > 300
    print(f"\nsession clock error: first packet {err[0] * 1e3:.1f} ms, after 45 s max "
          f"{np.abs(err[settled]).max() * 1e3:.2f} ms, last 5 min max {np.abs(err[late]).max() * 1e3:.2f} ms; "
          f"drift estimate {clock.sync.offset_drift()[1] * 1e6:.1f} ppm (true 40); with the first packet's offset "
          f"alone the end is {(device[-1] + delay[9] + offset - true[-1] - 0.004) * 1e3:.0f} ms off")
    assert np.abs(err[settled]).max() < 0.003 and np.abs(err[late]).max() < 0.0015
    assert abs(clock.sync.offset_drift()[1] - drift) < 5e-6
    assert np.all(np.diff(session) > 0)  # never jumps back
    assert np.abs(np.diff(session) - 0.01).max() < 0.01 * 2 * 5e-3 + 1e-9  # rate steered within +-1 %


def test_a_clock_far_off_real_time_is_offset_only():
    """Simulated sensors streaming 20x faster than real time: a fixed offset, no steering."""
    device = np.arange(0, 60, 0.01)
    clock = SessionClock()
    session = stream_through(clock, device, device / 20 + 3.0)
    assert clock.rate == 1.0
    assert np.allclose(np.diff(session), 0.01)


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
