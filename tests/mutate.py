"""Mutation fuzzing of the readers: seed exports of every format, and the mutations made to them.

Used by tests/test_fuzz.py (hypothesis, bounded) and benchmarks/fuzz_readers.py (a longer
campaign). Seeds are the real exports in ../shared/data and our recordings/, cut to their first
`HEAD_LINES` lines so that one read takes milliseconds; the formats without a real file
(WitMotion, SensorLog, Movesense JSON) get a seed written from a real recording.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "data"
APPS = SHARED / "app_formats"
HEAD_LINES = 300


@dataclass(frozen=True)
class Seed:
    """One readable input: `root` is what `read_any` is given, `files` the files a mutation may hit."""

    name: str
    root: Path
    files: tuple[Path, ...]


def _head(src: Path, dst: Path, lines: int = HEAD_LINES) -> Path:
    dst.parent.mkdir(parents=True, exist_ok=True)
    with open(src, "rb") as f:
        data = b"".join(f.readline() for _ in range(lines))
    dst.write_bytes(data)
    return dst


def _synthesised(dest: Path) -> list[Seed]:
    """WitMotion, SensorLog and Movesense JSON files from the first rows of a real recording."""
    rows = [ln.split(",") for ln in (REPO / "recordings" / "skinematics_walking_thigh.csv").read_text().splitlines()
            if ln[:1].isdigit()][:HEAD_LINES]
    t = [float(r[0]) for r in rows]
    acc = [[float(v) for v in r[2:5]] for r in rows]
    gyr = [[float(v) for v in r[5:8]] for r in rows]
    g, deg = 9.80665, 57.29577951308232
    wit = dest / "witmotion.csv"
    wit.write_text("time,ax(g),ay(g),az(g),wx(deg/s),wy(deg/s),wz(deg/s)\n" + "".join(
        f"12:00:{ti:06.3f},{a[0] / g:.4f},{a[1] / g:.4f},{a[2] / g:.4f},{w[0] * deg:.3f},{w[1] * deg:.3f},"
        f"{w[2] * deg:.3f}\n" for ti, a, w in zip(t, acc, gyr)))
    slog = dest / "sensorlog.csv"
    cols = ["loggingTime(txt)", "accelerometerTimestamp_sinceReboot(s)", "accelerometerAccelerationX(G)",
            "accelerometerAccelerationY(G)", "accelerometerAccelerationZ(G)", "gyroTimestamp_sinceReboot(s)",
            "gyroRotationX(rad/s)", "gyroRotationY(rad/s)", "gyroRotationZ(rad/s)"]
    slog.write_text(",".join(cols) + "\n" + "".join(
        f"2024-01-01 12:00:00.000,{100 + ti:.4f},{-a[0] / g:.5f},{-a[1] / g:.5f},{-a[2] / g:.5f},{100 + ti:.4f},"
        f"{w[0]:.5f},{w[1]:.5f},{w[2]:.5f}\n" for ti, a, w in zip(t, acc, gyr)))
    per = 8
    packets = [{"Timestamp": int(1000 * t[k]) + 5000,
                "ArrayAcc": [dict(zip("xyz", a)) for a in acc[k:k + per]],
                "ArrayGyro": [dict(zip("xyz", [v * deg for v in w])) for w in gyr[k:k + per]]}
               for k in range(0, len(t) - per + 1, per)]
    ms = dest / "movesense.json"
    ms.write_text(json.dumps({"Body": {"Uri": "/Meas/IMU6/104", "Data": packets}}, indent=1))
    return [Seed("witmotion", wit, (wit,)), Seed("sensorlog", slog, (slog,)), Seed("movesense-json", ms, (ms,))]


def build_seeds(dest: Path) -> list[Seed]:
    """Write every seed under `dest` (an empty folder); formats whose real export is absent are left out."""
    seeds: list[Seed] = []
    for rec in ("skinematics_walking_thigh.csv", "demo_knee_raise.csv"):
        f = _head(REPO / "recordings" / rec, dest / "imuhip" / rec)
        seeds.append(Seed(f"imuhip-csv {rec}", f, (f,)))
    singles = {"xsens-mt": SHARED / "real/skinematics_thigh_walking/walking_xsens_upperLeg.txt",
               "xsens-mt-matrix": APPS / "xsens_mtmanager/MT_012005D6_009-001_00B421EE.txt",
               "hugadb": SHARED / "real/hugadb_sit_stand/HuGaDB_v2_various_01_00.txt",
               "dot-raw": APPS / "xsens_dot/bei_D4CA6EF17860_20210830_170505.csv",
               "dot-fusion": APPS / "xsens_dot/LFemur_20210820_202113_831.csv"}
    for name, src in singles.items():
        if src.exists():
            f = _head(src, dest / name / src.name)
            seeds.append(Seed(name, f, (f,)))
    folders = {"sensor-logger": APPS / "sensor_logger_ios", "polar-logger": APPS / "polar_sensor_logger",
               "metabase": APPS / "mbientlab_metabase", "phyphox": APPS / "phyphox_ios/p4-left-pocket"}
    for name, src in folders.items():
        if not src.exists():
            continue
        files = tuple(_head(p, dest / name / p.relative_to(src)) for p in sorted(src.rglob("*")) if p.is_file())
        root = dest / name
        seeds.append(Seed(name, root, files))
        if name == "sensor-logger":
            z = dest / "sensor-logger.zip"
            with zipfile.ZipFile(z, "w") as zf:
                for p in files:
                    zf.write(p, f"export/{p.name}")
            seeds.append(Seed("sensor-logger-zip", z, (z,)))
    return seeds + _synthesised(dest)


# ---------------------------------------------------------------- mutations

_NUMBER = re.compile(rb"-?\d+\.?\d*(?:[eE][-+]?\d+)?")
SPECIAL = [b"nan", b"NaN", b"inf", b"-inf", b"Infinity", b"1e308", b"-1e309", b"3.4e38", b"0", b"-0", b"",
           b"1e-320", b"9" * 40, b"0x1F", b"1,5", b"abc", b"\xff\xfe", b"null", b"true", b"[]", b"{}"]


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def flip_bits(data: bytes, rng: random.Random) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if b:
            b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
    return bytes(b)


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[:rng.randrange(len(data) + 1)]


def insert_garbage(data: bytes, rng: random.Random) -> bytes:
    pos = rng.randrange(len(data) + 1)
    junk = rng.choice([bytes(rng.randrange(256) for _ in range(rng.randint(1, 64))), b"\x00" * 16, b"\r",
                       b"\n\n", b'"', b";;;", b",,,", b"\t", b"#", b"//", b"\xef\xbb\xbf"])
    return data[:pos] + junk + data[pos:]


def extra_field(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    i = rng.randrange(len(lines))
    lines[i] = lines[i] + rng.choice([b",1", b";1", b"\t1", b",", b";x;y", b",a,b,c"])
    return b"\n".join(lines)


def drop_field(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    i = rng.randrange(len(lines))
    parts = re.split(rb"([,;\t])", lines[i])
    if len(parts) > 2:
        k = rng.randrange(0, len(parts), 2)
        del parts[k:k + 2]
    lines[i] = b"".join(parts)
    return b"\n".join(lines)


def special_number(data: bytes, rng: random.Random) -> bytes:
    hits = list(_NUMBER.finditer(data))
    if not hits:
        return data + rng.choice(SPECIAL)
    out = data
    for m in sorted(rng.sample(hits, min(len(hits), rng.randint(1, 3))), key=lambda m: -m.start()):
        out = out[:m.start()] + rng.choice(SPECIAL) + out[m.end():]
    return out


def encoding(data: bytes, rng: random.Random) -> bytes:
    choice = rng.randrange(5)
    if choice == 0:
        return b"\xef\xbb\xbf" + data
    if choice == 1:
        return data.replace(b"\n", b"\r\n")
    if choice == 2:
        return data.decode("utf-8", "replace").encode("utf-16")
    if choice == 3:
        return data.replace(b"\n", b"\r")
    pos = rng.randrange(len(data) + 1)
    return data[:pos] + rng.choice([b"\xe9", b"\xff", b"\xc3", b"\x80\x80", "Jos\xe9".encode("latin-1")]) + data[pos:]


def long_line(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    i = rng.randrange(len(lines))
    lines[i] = lines[i] + rng.choice([b"9", b"x", b",", b"a,"]) * rng.randint(100_000, 2_000_000)
    return b"\n".join(lines)


def shuffle_lines(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    choice = rng.randrange(4)
    i = rng.randrange(len(lines))
    if choice == 0:
        del lines[i]
    elif choice == 1:
        lines.insert(i, lines[rng.randrange(len(lines))])
    elif choice == 2:
        j = rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    else:
        lines = lines[:max(1, i % 4)]  # header only, or a row or two
    return b"\n".join(lines)


def deep_nesting(data: bytes, rng: random.Random) -> bytes:
    depth = rng.randint(500, 100_000)
    return data[:1] + b"[" * depth + b"]" * depth + data[1:] if data[:1] in (b"{", b"[") else insert_garbage(data, rng)


MUTATIONS = (flip_bits, truncate, insert_garbage, extra_field, drop_field, special_number, encoding, long_line,
             shuffle_lines, deep_nesting)


def mutate_copy(seed: Seed, dest: Path, rng: random.Random) -> tuple[Path, str]:
    """A copy of `seed` under `dest` with one file mutated (1-3 mutations); (path to read, description)."""
    base = seed.root.parent if seed.root.is_file() else seed.root
    if seed.root.is_file():
        dest.mkdir(parents=True, exist_ok=True)
        for f in seed.files:
            shutil.copy(f, dest / f.name)
    else:
        shutil.copytree(seed.root, dest)
    target = rng.choice(seed.files)
    copy = dest / target.relative_to(base)
    data = copy.read_bytes()
    names = []
    for _ in range(rng.choice((1, 1, 2, 3))):
        m = rng.choice(MUTATIONS)
        data = m(data, rng)
        names.append(m.__name__)
    copy.write_bytes(data)
    path = dest / seed.root.name if seed.root.is_file() else dest
    return path, f"{seed.name}: {target.name}: {'+'.join(names)}"
