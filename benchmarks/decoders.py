"""Decoding speed of each BLE protocol decoder (samples/s), on packets of realistic size.

    python benchmarks/decoders.py
"""

import struct
import time

import numpy as np

from imuhip.ble import imuhip_open, movella_dot, movesense, polar_pmd


def rate(fn, packets, per_packet):
    t0 = time.perf_counter()
    for p in packets:
        fn(p)
    dt = time.perf_counter() - t0
    return len(packets) * per_packet / dt


def main():
    rng = np.random.default_rng(0)
    n = 20000
    scales = imuhip_open.Scales(2048.0, 16.4)
    acc = rng.normal(0, 5, (19, 3)) + [0, 9.8, 0]
    gyr = rng.normal(0, 1, (19, 3))
    ours = [imuhip_open.encode_data(i, i * 19 * 4808, 4808, acc, gyr, scales) for i in range(n)]
    speed = rate(lambda p: imuhip_open.decode_data(p, scales), ours, 19)
    print(f"imuhip-open (19 samples/packet): {speed / 1e6:.2f} M samples/s")
    ms = [movesense.encode_imu6(1, i, acc[:8], gyr[:8]) for i in range(n)]
    print(f"movesense IMU6 (8 samples/packet): {rate(movesense.decode_imu6, ms, 8) / 1e6:.2f} M samples/s")
    raw = [bytes([2]) + struct.pack("<Q", i) + b"\x01" + rng.integers(-2000, 2000, (36, 3)).astype("<i2").tobytes()
           for i in range(n)]
    print(f"polar-pmd raw 16-bit (36 samples/frame): {rate(polar_pmd.decode_frame, raw, 36) / 1e6:.2f} M samples/s")
    ref = struct.pack("<3h", 10, -5, 0)
    block = bytes([6, 35]) + rng.integers(0, 256, (6 * 35 * 3 + 7) // 8, dtype=np.uint8).tobytes()
    delta = [bytes([5]) + struct.pack("<Q", i) + b"\x80" + ref + block for i in range(n)]
    print(f"polar-pmd delta 6-bit (36 samples/frame): {rate(polar_pmd.decode_frame, delta, 36) / 1e6:.2f} M samples/s")
    frames = [polar_pmd.decode_frame(f) for f in raw]
    times = {m: polar_pmd.StreamTimes(104) for m in (polar_pmd.ACC, polar_pmd.GYRO)}
    merger = polar_pmd.Merger(104)
    step = int(36e9 / 104)

    def merge(k):  # the ACC and the GYRO frame of one packet: timed, merged, popped
        for m in (polar_pmd.ACC, polar_pmd.GYRO):
            f = polar_pmd.Frame(m, (k + 1) * step, frames[k].values)
            merger.add(m, times[m].feed(f)[0], f.values)
        merger.pop()

    print(f"polar-pmd ACC+GYRO timing and merge (36 samples/frame): {rate(merge, range(n), 36) / 1e6:.2f} M samples/s")
    dot = [movella_dot.encode_rate_quantities(i * 16667, acc[0], gyr[0]) for i in range(n)]
    print(f"movella-dot rate quantities, one notification at a time (1 sample each): "
          f"{rate(movella_dot.decode_rate_quantities, dot, 1) / 1e6:.2f} M samples/s")
    t0 = time.perf_counter()
    movella_dot.decode_many(dot)
    print(f"movella-dot rate quantities, {n} notifications at once: "
          f"{n / (time.perf_counter() - t0) / 1e6:.2f} M samples/s")


if __name__ == "__main__":
    main()
