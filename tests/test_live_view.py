"""The live view of `imuhip record`: lines that fit any width, and a block redrawn in place in a
real terminal (tmux at 80 and 120 columns)."""

import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

from imuhip.ble.live import LiveAngle, render, sensor_line

from conftest import REPO


class State:
    def __init__(self, location, live, battery_pct=None):
        self.location, self.live, self.battery_pct = location, live, battery_pct
        self.packets, self.lost_packets = 98, 2


def holding(name="left_thigh"):
    live = LiveAngle(name, 100.0)
    live.kind, live.angle_deg, live.hold_start, live.hold_s, live.best_hold_s, live.reps = (
        "elevation", 97.3, 1.0, 10.84, 10.84, 3)
    return live


@pytest.mark.parametrize("width", [40, 60, 79, 119, 200])
def test_lines_fit_the_width_and_say_what_a_coach_needs(width):
    fresh = LiveAngle("right_thigh", 100.0)  # no sample yet: no nan shown
    pelvis = LiveAngle("pelvis", 100.0)
    pelvis.angle_deg = 4.2
    lines = render([State("left_thigh", holding(), 87), State("right_thigh", fresh), State("pelvis", pelvis, 90)],
                   12.3, "/tmp/x.csv", 30.0, width)
    assert all(len(line) <= width for line in lines)
    assert not any("nan" in line for line in lines)
    left, right, pelv = lines[-3:]
    if width >= 79:
        assert "HOLD 10.8 / 30 s" in left and "reps 3" in left and "loss 2.0%" in left and "battery 87%" in left
        assert "[" in left  # the bar
        assert "waiting for data" in right
        assert pelv.startswith("pelvis") and "tilt   4.2°" in pelv and "battery 90%" in pelv
        assert "HOLD" not in pelv and "best" not in pelv and "reps" not in pelv


def test_pelvis_stays_on_its_tilt():
    t = np.arange(3000) / 100.0
    live = LiveAngle("pelvis", 100.0)
    acc, gyr = np.tile([0.0, 9.81, 0.0], (len(t), 1)), np.zeros((len(t), 3))
    for i in range(0, len(t), 50):  # 30 s of standing in notifications of 50 samples
        live.update(t[i:i + 50], acc[i:i + 50], gyr[i:i + 50])
    assert live.kind == "tilt" and np.isfinite(live.angle_deg)
    assert sensor_line("pelvis", live, 0.0, None, 30.0, 80) == "pelvis      tilt   0.0°  loss 0.0%"


@pytest.mark.skipif(not shutil.which("tmux"), reason="tmux not installed (apt-get install tmux)")
@pytest.mark.parametrize("columns", [80, 120])
def test_live_view_redraws_in_place_in_tmux(tmp_path, columns):
    name = f"imuhip-live-{columns}-{time.monotonic_ns()}"
    out = tmp_path / "live.csv"
    command = (f"{sys.executable} -m imuhip.cli record --simulate polar-pmd --out {out} --duration 6 --no-keys; "
               "sleep 30")
    subprocess.run(["tmux", "new-session", "-d", "-s", name, "-x", str(columns), "-y", "40", "-c", str(REPO),
                    command], check=True)
    try:
        deadline = time.monotonic() + 60
        screen = ""
        while time.monotonic() < deadline and "recorded " not in screen:
            time.sleep(0.5)
            screen = subprocess.run(["tmux", "capture-pane", "-p", "-J", "-t", name], capture_output=True,
                                    text=True).stdout
        assert "recorded " in screen, screen
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)
    lines = screen.splitlines()
    block = [line for line in lines if line.startswith(("recording ", "left thigh  ", "right thigh ", "pelvis  "))]
    # one block, redrawn in place: each line once (a scrolling log would repeat them), none wrapped
    assert [line.split()[0] for line in block] == ["recording", "left", "right", "pelvis"], screen
    assert all(len(line) < columns for line in block)
    assert "nan" not in screen and "battery 64%" in block[1]
    assert "elev" in block[1] or "tilt" in block[1]
