"""The recorder against sensor clock faults, end to end through the virtual sensors.

    python benchmarks/recorder_faults.py

Two imuhip-open sensors stream 30 simulated seconds at 20x real time; the left one has the fault.
For each fault: samples the sensor sent, samples in the file, samples lost without a note (sent
minus written minus those counted in the summary), clock resets counted, clock-reset comments, and the
time from stop to the end of the recording (s).
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from imuhip import read_csv
from imuhip.ble.recorder import Recorder
from imuhip.ble.virtual import (SimulatedDotSensor, SimulatedImuhipSensor, SimulatedMovesenseSensor,
                                SimulatedPolarSensor, VirtualAir)
from imuhip.ble import polar_pmd
from imuhip.simulate import simulate

SPEED = 20.0
SECONDS = 30.0
RATE = 104
MINUTES_20_US = 20 * 60 * 10**6
FAULTS = {
    "none": {},
    "one packet 20 min in the future": {"stamp_jump_us": {30: MINUTES_20_US}},
    "one packet 10 s in the past": {"stamp_jump_us": {30: -10 * 10**6}},
    "clock jumps 10 min ahead for good": {"stamp_jump_us": {k: 600 * 10**6 for k in range(40, 400)}},
    "reboot, clock restarts on reconnect": {"reboot_at": {60}},
}

#: Sensors whose lost packets come from their stamps: (kind, rate Hz, packet with the bad stamp).
STAMPED = ((SimulatedMovesenseSensor, RATE, 60), (SimulatedDotSensor, 60, 300))


async def _record(out: Path, faults: dict, kind=SimulatedImuhipSensor, rate: int = RATE
                  ) -> tuple[dict, list, list, float]:
    """(summary, log lines, virtual sensors, s from stop to the end of `Recorder.run`) of one recording."""
    truth = simulate("marching", seed=5, duration_s=SECONDS, rate_hz=float(rate), jitter_s=0.0).recording
    air, addresses, sensors = VirtualAir(), {}, []
    for k, loc in enumerate(("left_thigh", "right_thigh")):
        addr = f"F1:00:00:00:00:2{k}"
        sensor = kind(addr, loc, truth[loc], rate, speed=SPEED, **(faults if loc == "left_thigh" else {}))
        sensors.append(await air.add_sensor(sensor))
        addresses[loc] = addr
    logs: list[str] = []
    rec = Recorder(out, addresses, backend=air.client_backend(), rate_hz=rate, log=logs.append)
    stopped = []
    asyncio.get_running_loop().call_later(SECONDS / SPEED + 2.0, lambda: (stopped.append(time.monotonic()),
                                                                            rec.stop()))
    summary = await rec.run()
    return summary, logs, sensors, time.monotonic() - stopped[0]


def run(name: str, faults: dict, folder: Path, kind=SimulatedImuhipSensor, rate: int = RATE) -> dict:
    """Figures of one fault: sent, written, silently lost, clock resets and comments."""
    out = folder / f"{abs(hash(name))}.csv"
    summary, logs, sensors, stop_s = asyncio.run(_record(out, faults, kind, rate))
    left = summary["left_thigh"]
    text = out.read_text()
    try:
        written = len(read_csv(out, check=False).sensors.get("left_thigh", []))
    except Exception as exc:  # noqa: BLE001 - the figure is whether the file reads
        written = f"unreadable ({type(exc).__name__})"
    sent = min(sensors[0].sent * sensors[0].per_packet, len(sensors[0].samples))
    counted = left.get("dropped_samples", 0)
    silent = sent - written - counted if isinstance(written, int) else sent
    return dict(fault=name, sent=sent, written=written, silently_lost=max(silent, 0),
                lost_packets=left["lost_packets"], clock_resets=left.get("clock_resets", "n/a"),
                reset_comments=text.count("clock reset"),
                stop_s=round(stop_s, 3), last_error=left["last_error"])


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        rows = [run(name, f, Path(tmp)) for name, f in FAULTS.items()]
        for factor in (float("nan"), 0.0, -1.0, float("inf")):
            rows.append(run(f"Polar ACC factor {factor}", {"announced_factors": {polar_pmd.ACC: factor}}, Path(tmp),
                            SimulatedPolarSensor, 52))
        for kind, rate, k in STAMPED:
            rows.append(run(f"{kind.__name__}: one packet 20 min in the future", {"stamp_jump_us": {k: MINUTES_20_US}},
                            Path(tmp), kind, rate))
    for r in rows:
        print(" | ".join(f"{k}={v}" for k, v in r.items()))


if __name__ == "__main__":
    main()
