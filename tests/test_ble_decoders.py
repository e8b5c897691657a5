"""Protocol decoders against the test vectors in firmware_protocols/test_vectors (bytes in, samples out)."""

import json

import numpy as np
import pytest

from imuhip.ble import DecodeError, imuhip_open, movella_dot, movesense, polar_pmd

from conftest import REPO

VECTORS = REPO / "firmware_protocols" / "test_vectors"
G = 9.80665


def load(name):
    return json.loads((VECTORS / f"{name}.json").read_text())


@pytest.mark.parametrize("vec", load("polar_pmd")["vectors"], ids=lambda v: v["name"])
def test_polar_pmd_vectors(vec):
    frame = polar_pmd.decode_frame(bytes.fromhex(vec["hex"]), vec["factor"])
    assert frame.measurement == vec["measurement"] and frame.timestamp_ns == vec["timestamp_ns"]
    assert np.allclose(frame.values, vec["values"], rtol=0, atol=1e-9)


@pytest.mark.parametrize("bad", load("polar_pmd")["errors"], ids=lambda v: v["name"])
def test_polar_pmd_garbage_is_a_clear_error(bad):
    with pytest.raises(DecodeError, match=r"^polar-pmd: .*\(packet of \d+ bytes: [0-9a-f ]+"):
        polar_pmd.decode_frame(bytes.fromhex(bad["hex"]))


def test_polar_sample_times_end_at_the_frame_stamp():
    frame = polar_pmd.decode_frame(bytes.fromhex(load("polar_pmd")["vectors"][3]["hex"]))
    t = polar_pmd.sample_times_ns(frame, 52.0, previous_ns=frame.timestamp_ns - 4 * 19_230_769)
    assert t[-1] == frame.timestamp_ns and np.allclose(np.diff(t), 19_230_769)


@pytest.mark.parametrize("vec", load("polar_pmd")["control"], ids=lambda v: v["name"])
def test_polar_control_point_vectors(vec):
    data = bytes.fromhex(vec["hex"])
    if vec["kind"] == "start":
        assert polar_pmd.start_command(vec["measurement"], vec["rate_hz"], vec["resolution"], vec["range"]) == data
    elif vec["kind"] == "response":
        r = polar_pmd.decode_response(data)
        want = (vec["op"], vec["measurement"], vec["status"], vec["factor"])
        assert (r.op, r.measurement, r.status, r.factor) == want
    else:
        assert polar_pmd.decode_features(data) == set(vec["measurements"])


@pytest.mark.parametrize("compressed", [False, True])
def test_polar_frames_encode_and_decode_back(compressed):
    values = np.random.default_rng(3).integers(-20000, 20000, (40, 3))
    frame = polar_pmd.decode_frame(polar_pmd.encode_frame(polar_pmd.ACC, 10**18, values, compressed))
    assert frame.timestamp_ns == 10**18 and np.array_equal(frame.values, values)


def test_polar_gyro_put_on_the_acc_clock_and_lost_frames_found():
    """ACC frames of 10 samples, GYRO frames of 4 stamped half a sample later; GYRO 20..23 lost."""
    rate, step = 52.0, 1e9 / 52
    t = np.arange(60) * step
    signal = np.column_stack([np.sin(t * 1e-9), np.cos(t * 1e-9), t * 1e-9])
    frames = [polar_pmd.Frame(polar_pmd.GYRO, int(t[k + 3] + step / 2), 2 * signal[k:k + 4])
              for k in range(0, 60, 4) if k != 20]
    frames += [polar_pmd.Frame(polar_pmd.ACC, int(t[k + 9]), signal[k:k + 10]) for k in range(0, 60, 10)]
    times = {m: polar_pmd.StreamTimes(rate) for m in (polar_pmd.ACC, polar_pmd.GYRO)}
    merger = polar_pmd.Merger(rate)
    out, lost = [], 0
    for frame in sorted(frames, key=lambda f: f.timestamp_ns):  # in the order a sensor sends them
        ft, missing = times[frame.measurement].feed(frame)
        lost += missing
        merger.add(frame.measurement, ft, frame.values)
        out.append(merger.pop())
    at, acc, gyr = (np.concatenate([o[i] for o in out]) for i in range(3))
    assert lost == 4
    idx = np.round(at / step).astype(int)
    assert np.array_equal(acc, signal[idx])
    assert sorted(set(range(60)) - set(idx)) == [21, 22, 23]  # no gyro within half a step: left out, not invented
    assert np.abs(gyr - 2 * signal[idx]).max() < step * 1e-9 * 1.02  # interpolated; the gyro lags half a step


def test_imuhip_open_vectors():
    doc = load("imuhip_open")
    scales = imuhip_open.decode_info(bytes.fromhex(doc["info_hex"]))
    assert scales.acc_lsb_per_g == doc["scales"]["acc_lsb_per_g"]
    for vec in doc["vectors"]:
        p = imuhip_open.decode_data(bytes.fromhex(vec["hex"]), scales)
        assert p.sequence == vec["sequence"] and p.time_us.tolist() == vec["time_us"]
        assert np.allclose(p.acc, vec["acc_m_s2"], atol=1e-12)
        assert np.allclose(np.degrees(p.gyr), vec["gyr_deg_s"], atol=1e-9)
        again = imuhip_open.encode_data(p.sequence, p.time_us[0], 4808, p.acc, p.gyr, scales)
        assert again.hex() == vec["hex"]
    for bad in doc["errors"]:
        with pytest.raises(DecodeError, match=r"^imuhip-open: data: "):
            imuhip_open.decode_data(bytes.fromhex(bad["hex"]), scales)


def test_movesense_vectors_including_split_packets():
    doc = load("movesense")
    for vec in doc["vectors"]:
        asm = movesense.Assembler()
        out = [asm.feed(bytes.fromhex(h)) for h in vec["parts"]]
        assert out[:-1] == [None] * (len(out) - 1)
        pkt = out[-1]
        assert pkt.ref == vec["ref"] and pkt.timestamp_ms == vec["timestamp_ms"]
        assert np.allclose(pkt.acc, vec["acc_m_s2"]) and np.allclose(np.degrees(pkt.gyr), vec["gyr_deg_s"], atol=1e-5)
    for bad in doc["errors"]:
        with pytest.raises(DecodeError, match=r"^movesense: "):
            movesense.Assembler().feed(bytes.fromhex(bad["hex"]))
    assert movesense.subscribe_command(5, 104) == b"\x01\x05/Meas/IMU6/104"


def test_movella_dot_vectors():
    doc = load("movella_dot")
    for vec in doc["vectors"]:
        t_us, acc, gyr = movella_dot.decode_rate_quantities(bytes.fromhex(vec["hex"]))
        assert t_us == vec["timestamp_us"]
        assert np.allclose(acc, [vec["acc_m_s2"]]) and np.allclose(np.degrees(gyr), [vec["gyr_deg_s"]])
    t_us, acc, gyr = movella_dot.decode_many([bytes.fromhex(v["hex"]) for v in doc["vectors"]])
    assert list(t_us) == [v["timestamp_us"] for v in doc["vectors"]]
    assert np.allclose(acc, [v["acc_m_s2"] for v in doc["vectors"]])
    start, rate = doc["commands"]
    assert movella_dot.start_command().hex() == start["hex"]
    assert movella_dot.set_rate(bytes.fromhex(rate["read"]), rate["rate_hz"]).hex() == rate["hex"]
    for bad in doc["errors"]:
        with pytest.raises(DecodeError, match=r"^movella-dot: "):
            movella_dot.decode_rate_quantities(bytes.fromhex(bad["hex"]))
    with pytest.raises(DecodeError, match="non-finite sample values in notification 0"):
        movella_dot.decode_many([bytes.fromhex(doc["errors"][1]["hex"])])
    assert movella_dot.streaming_rate(104) == 60 and movella_dot.streaming_rate(13) == 12


@pytest.mark.parametrize("example", load("polar_pmd")["time_examples"], ids=lambda v: v["name"])
def test_polar_time_system_worked_examples(example):
    """The time examples of Polar's TimeSystemExplained.md: ns since 2000-01-01 (as set on the sensor)."""
    from datetime import datetime, timezone

    frame = polar_pmd.decode_frame(polar_pmd.encode_frame(polar_pmd.ACC, example["timestamp_ns"], [[0, 0, 1000]]))
    seconds = polar_pmd.POLAR_EPOCH_UNIX_S + frame.timestamp_ns // 1000 / 1e6
    when = datetime.fromtimestamp(seconds, timezone.utc).replace(tzinfo=None)
    assert when.isoformat() == example["time"]
