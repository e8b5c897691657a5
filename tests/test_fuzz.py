"""Property-based mutation fuzzing: every reader and decoder, fed mutated real exports and packets,
returns finite data or raises the imuhip error family, within a time bound (tests/mutate.py)."""

import random
import struct
import time
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import mutate
from imuhip.ble import imuhip_open, movella_dot, movesense, polar_pmd
from imuhip.ble.errors import DecodeError
from imuhip.errors import ImuhipError
from imuhip.io import read_any

TIME_BOUND_S = 5.0


@pytest.fixture(scope="module")
def seeds(tmp_path_factory):
    found = mutate.build_seeds(tmp_path_factory.mktemp("seeds"))
    if len(found) < 10 and mutate.SHARED.exists():
        pytest.fail("seeds missing")
    return found


def _check_reader(path, folder) -> None:
    start = time.monotonic()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            rec = read_any(path)
        except ImuhipError as exc:
            assert str(folder) in str(exc), f"error does not name the file: {exc}"
            rec = None
    assert time.monotonic() - start < TIME_BOUND_S
    for s in (rec.sensors.values() if rec else []):
        assert len(s) >= 2 and np.isfinite(s.acc).all() and np.isfinite(s.gyr).all() and np.isfinite(s.time).all()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(which=st.integers(0, 10**6), rng_seed=st.integers(0, 2**32 - 1))
def test_every_reader_on_mutated_exports_gives_data_or_an_imuhip_error(seeds, tmp_path_factory, which, rng_seed):
    seed = seeds[which % len(seeds)]
    folder = tmp_path_factory.mktemp("m") / "case"
    path, _ = mutate.mutate_copy(seed, folder, random.Random(rng_seed))
    _check_reader(path, folder)


def _packets():
    scales = imuhip_open.Scales(2048.0, 16.4)
    acc, gyr = np.full((4, 3), 9.8 / 3), np.full((4, 3), 0.1)
    return [
        ("imuhip-open", lambda d: imuhip_open.decode_data(d, scales),
         imuhip_open.encode_data(7, 1000, 9615, acc, gyr, scales)),
        ("imuhip-open info", imuhip_open.decode_info, struct.pack("<BffH", 1, 2048.0, 16.4, 104) + b"x"),
        ("movesense", lambda d: movesense.Assembler().feed(d), movesense.encode_imu6(5, 1000, acc, gyr)),
        ("movella-dot", movella_dot.decode_rate_quantities, movella_dot.encode_rate_quantities(10, acc[0], gyr[0])),
        ("polar frame", polar_pmd.decode_frame,
         polar_pmd.encode_frame(polar_pmd.ACC, 10**18, np.arange(30).reshape(10, 3), compressed=True)),
        ("polar raw", polar_pmd.decode_frame, polar_pmd.encode_frame(polar_pmd.GYRO, 10**18, np.ones((5, 3)))),
        ("polar answer", polar_pmd.decode_response, polar_pmd.encode_response(2, 2, 0, 0.24)),
    ]


@settings(max_examples=300, deadline=None)
@given(which=st.integers(0, 6), data=st.data())
def test_every_decoder_on_mutated_packets_gives_finite_values_or_a_decode_error(which, data):
    _, decode, packet = _packets()[which]
    b = bytearray(packet)
    for _ in range(data.draw(st.integers(0, 4))):
        op = data.draw(st.sampled_from(["flip", "cut", "insert", "float"]))
        if op == "flip" and b:
            b[data.draw(st.integers(0, len(b) - 1))] ^= 1 << data.draw(st.integers(0, 7))
        elif op == "cut":
            del b[data.draw(st.integers(0, len(b))):]
        elif op == "insert":
            b[data.draw(st.integers(0, len(b))):0] = data.draw(st.binary(max_size=8))
        elif len(b) >= 4:
            k = data.draw(st.integers(0, len(b) - 4))
            b[k:k + 4] = struct.pack("<f", data.draw(st.sampled_from([float("nan"), float("inf"), 3.4e38, 1e-40, 0.0])))
    try:
        out = decode(bytes(b))
    except DecodeError:
        return
    for value in vars(out).values() if hasattr(out, "__dict__") else (out if isinstance(out, tuple) else ()):
        if isinstance(value, np.ndarray) and value.dtype.kind == "f":
            assert np.isfinite(value).all() and np.abs(value).max(initial=0) < 1e7
