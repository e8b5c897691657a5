"""Record two thigh sensors over Bluetooth LE with the Python API, then analyse the file.

    python examples/record_ble.py OUT.csv                    # virtual Polar Verity Sense pair
    python examples/record_ble.py OUT.csv LEFT_ADDR RIGHT_ADDR   # real sensors (any supported protocol)

The virtual sensors (imuhip[sim]) stream a simulated drill session 10x faster than real time
through bleak and a bumble virtual link; real ones stream through your Bluetooth adapter.
"""

import asyncio
import sys

import imuhip
from imuhip.ble.recorder import Recorder

out = sys.argv[1] if len(sys.argv) > 1 else "ble_demo.csv"


async def record():
    if len(sys.argv) > 3:  # real sensors: bleak's own backend, a minute
        sensors, backend, speed, seconds = {"left_thigh": sys.argv[2], "right_thigh": sys.argv[3]}, None, 1.0, 60
    else:
        from imuhip.ble.virtual import simulated_air

        air, sensors = await simulated_air(protocol="polar-pmd", speed=10.0)
        backend, speed, seconds = air.client_backend(), 10.0, 3
    recorder = Recorder(out, sensors, backend=backend, rate_hz=104, drill="session", clock_speed=speed)
    return await recorder.run(duration_s=seconds)


summary = asyncio.run(record())
for loc, s in summary.items():
    print(f"{loc}: {s['samples']} samples, {s['lost_packets']} lost, live angle: {s['live_angle']}")
rec = imuhip.read_csv(out, check=False)
print(f"wrote {out}: {', '.join(f'{n} {len(s)} samples at {s.rate_hz:.0f} Hz' for n, s in rec.sensors.items())}")
