"""The BLE recorder under load: three sensors at 208 Hz for 10 simulated minutes through bleak
and the bumble virtual link (streamed `--speed` times faster than real time).

    python benchmarks/ble_recorder.py [--minutes 10] [--speed 10] [--protocol polar-pmd] [--calibrated]

Prints samples written against samples sent (loss), the recorder's own processing time per
notification (decode, clock, CSV, live angle: the latency from arrival to the live update) as
median / p99, and its CPU as a share of one core at real time; also the whole process's CPU
(recorder + virtual radio + simulated sensors), an upper bound. `--calibrated` gives the live
view saved calibrations; without, it finds the axes live (tries every 2 s in the first minute).
A Movella DOT streams at 60 Hz.
"""

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import numpy as np

from imuhip import read_csv
from imuhip.ble.recorder import Recorder
from imuhip.ble import movella_dot
from imuhip.ble.virtual import KINDS, VirtualAir
from imuhip.simulate import simulate


class TimedRecorder(Recorder):
    """The recorder with each notification (decode to live update) timed."""

    latencies: list

    def _on_notification(self, st, data):
        t0 = time.perf_counter()
        super()._on_notification(st, data)
        self.latencies.append(time.perf_counter() - t0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--speed", type=float, default=10.0)
    ap.add_argument("--protocol", choices=list(KINDS), default="imuhip-open")
    ap.add_argument("--calibrated", action="store_true", help="sensor axes from a saved calibration, not found live")
    args = ap.parse_args()
    rate = movella_dot.streaming_rate(208) if args.protocol == "movella-dot" else 208
    seconds = args.minutes * 60
    rec = simulate("marching", seed=1, duration_s=seconds - 6, rate_hz=float(rate), pelvis=True, jitter_s=0.0).recording
    calibrations = None
    if args.calibrated:
        from imuhip.angles import angles_table

        calibrations = {loc: r.calibration for loc, r in angles_table(rec)[1].items()}

    async def run(out):
        air = VirtualAir()
        addresses = {}
        for k, (loc, s) in enumerate(rec.sensors.items()):
            addresses[loc] = f"F1:00:00:00:00:2{k}"
            await air.add_sensor(KINDS[args.protocol][1](addresses[loc], loc, s, rate, speed=args.speed))
        r = TimedRecorder(out, addresses, backend=air.client_backend(), rate_hz=rate, log=lambda m: None,
                          calibrations=calibrations)
        r.latencies = []
        cpu0, wall0 = time.process_time(), time.perf_counter()
        summary = await r.run(duration_s=seconds / args.speed + 2.0)
        return r, summary, time.process_time() - cpu0, time.perf_counter() - wall0

    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "bench.csv"
        r, summary, cpu, wall = asyncio.run(run(out))
        written = read_csv(out, check=False)
    sent = sum(len(s) for s in rec.sensors.values())
    got = sum(len(s) for s in written.sensors.values())
    lat = np.array(r.latencies) * 1e3
    own = lat.sum() / 1e3
    print(f"{args.protocol}: 3 sensors x {rate} Hz x {args.minutes:g} min (streamed {args.speed:g}x faster, "
          f"{wall:.1f} s wall); sensor axes: {'saved calibration' if args.calibrated else 'found live'}")
    print(f"samples sent {sent}, written {got}, lost {sent - got}")
    print(f"arrival -> live update per notification: median {np.median(lat):.3f} ms, "
          f"p99 {np.percentile(lat, 99):.3f} ms, max {lat.max():.1f} ms")
    print(f"recorder CPU at real time: {100 * own / seconds:.2f} % of one core "
          f"(whole process incl. virtual radio and sensors: {100 * cpu / seconds:.1f} %)")


if __name__ == "__main__":
    main()
