"""The in-memory session: per sensor location, time, acceleration, angular rate.

Units: time in s (float64, strictly increasing per sensor), acceleration in m/s^2
(specific force, gravity included, sensor frame), angular rate in rad/s (sensor frame).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from imuhip.errors import InputError, TimeOrderError

KNOWN_LOCATIONS = ("left_thigh", "right_thigh", "pelvis")
DATAFRAME_COLUMNS = ("sensor", "time_s", "acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z")
SIDES = ("left", "right", "both", "none")
#: The only sensor names whose verdicts are a side's; any other thigh sensor ('thigh', 'l_thigh')
#: is judged under its own name, with no left/right symmetry.
THIGH_SIDES = {"left_thigh": "left", "right_thigh": "right"}

#: A gap is recorded when consecutive samples are further apart than this many
#: median sample intervals.
GAP_FACTOR = 3.0


@dataclass(frozen=True)
class Gap:
    """Missing data in one sensor between two received samples (s)."""

    start_s: float
    end_s: float
    missing_samples: int


@dataclass(frozen=True)
class Annotation:
    """Which drill was done when, on which side ('left', 'right', 'both' or 'none')."""

    start_s: float
    end_s: float
    drill: str
    side: str = "both"

    def __post_init__(self):
        if not self.end_s >= self.start_s:
            raise InputError(f"annotation {self.drill!r}: end_s {self.end_s} is before start_s {self.start_s}")
        if self.side not in SIDES:
            raise InputError(f"annotation {self.drill!r}: side {self.side!r} is not one of {', '.join(SIDES)}")


def side_label(name: str) -> str:
    """The label of a thigh sensor's verdicts: 'left' for left_thigh, 'right' for right_thigh, else
    the sensor's own name (so no two sensors share a label)."""
    return THIGH_SIDES.get(name, name)


def sensor_of(label: str) -> str:
    """The sensor name behind a verdict label (the inverse of `side_label`)."""
    return {side: name for name, side in THIGH_SIDES.items()}.get(label, label)


def thigh_name_warnings(names) -> list[str]:
    """Warnings on the sensor names an analysis sees: one per sensor that is neither a thigh (a name
    holding 'thigh') nor the pelvis, which is not analysed, and, with several thighs, one per thigh that
    is neither left_thigh nor right_thigh, which is judged under its own name, not as a side."""
    names = list(names)
    thighs = [n for n in names if "thigh" in n]
    out = []
    for n in names:
        if n in THIGH_SIDES or n == "pelvis" or (n in thighs and len(thighs) < 2):
            continue
        close = difflib.get_close_matches(n.lower(), [*THIGH_SIDES, "pelvis"], n=1, cutoff=0.5)
        hint = f" (did you mean {close[0]}?)" if close else ""
        if n in thighs:
            out.append(f"sensor {n} is neither left_thigh nor right_thigh{hint}: judged under its own name, not as "
                       f"a side, so left/right symmetry leaves it out; rename it to compare sides")
        else:
            out.append(f"sensor {n} is not a thigh or the pelvis{hint}: not analysed; name it left_thigh, "
                       f"right_thigh or pelvis")
    return out


def find_gaps(time: np.ndarray, factor: float = GAP_FACTOR) -> list[Gap]:
    """Intervals where consecutive samples are more than `factor` median intervals apart."""
    if len(time) < 3:
        return []
    dt = np.diff(time)
    nominal = float(np.median(dt))
    idx = np.flatnonzero(dt > factor * nominal)
    return [
        Gap(float(time[i]), float(time[i + 1]), int(round(dt[i] / nominal)) - 1) for i in idx
    ]


@dataclass(eq=False)
class SensorData:
    """One sensor's samples: `time` (N,) s, `acc` (N, 3) m/s^2, `gyr` (N, 3) rad/s.

    `meta` holds free-form strings; well-known keys: device, device_id, protocol,
    rate_hz (nominal), acc_unit and gyr_unit (the units of the original source).
    """

    time: np.ndarray
    acc: np.ndarray
    gyr: np.ndarray
    meta: dict[str, str] = field(default_factory=dict)

    def __post_init__(self):
        self.time = np.ascontiguousarray(self.time, dtype=np.float64)
        self.acc = np.ascontiguousarray(self.acc, dtype=np.float64)
        self.gyr = np.ascontiguousarray(self.gyr, dtype=np.float64)
        n = self.time.shape[0]
        if self.time.ndim != 1 or self.acc.shape != (n, 3) or self.gyr.shape != (n, 3):
            raise InputError(
                f"sensor arrays must be time (N,), acc (N, 3), gyr (N, 3); got "
                f"{self.time.shape}, {self.acc.shape}, {self.gyr.shape}"
            )
        bad = np.flatnonzero(np.diff(self.time) <= 0)
        if bad.size:
            i = int(bad[0])
            raise TimeOrderError(
                f"time must increase strictly: sample {i + 1} at {float(self.time[i + 1])!r} s "
                f"follows {float(self.time[i])!r} s"
            )
        self.meta = {str(k): str(v) for k, v in self.meta.items()}

    def __len__(self) -> int:
        return self.time.shape[0]

    @cached_property
    def rate_hz(self) -> float:
        """Measured sample rate: 1 / median interval (Hz); nan with fewer than 2 samples. Computed
        once (the samples of a SensorData are not changed after it is made)."""
        if len(self) < 2:
            return float("nan")
        return 1.0 / float(np.median(np.diff(self.time)))

    @property
    def duration_s(self) -> float:
        return float(self.time[-1] - self.time[0]) if len(self) else 0.0

    @property
    def gaps(self) -> list[Gap]:
        return find_gaps(self.time)

    def __repr__(self) -> str:
        return f"SensorData({len(self)} samples at {self.rate_hz:.1f} Hz, {self.duration_s:.1f} s)"

    def equals(self, other: "SensorData") -> bool:
        """Bit-exact equality of arrays and metadata."""
        return (
            np.array_equal(self.time, other.time)
            and np.array_equal(self.acc, other.acc)
            and np.array_equal(self.gyr, other.gyr)
            and self.meta == other.meta
        )


@dataclass(eq=False)
class Recording:
    """A session: sensors by location name, session metadata, drill annotations.

    Session `meta` keys in common use: athlete, date (ISO 8601), notes, source.
    `warnings` collects what readers noticed (gaps, a truncated last line, ...).
    """

    sensors: dict[str, SensorData]
    meta: dict[str, str] = field(default_factory=dict)
    annotations: list[Annotation] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self):
        rank = {name: i for i, name in enumerate(KNOWN_LOCATIONS)}
        self.sensors = dict(sorted(self.sensors.items(), key=lambda kv: rank.get(kv[0], len(rank))))
        self.meta = {str(k): str(v) for k, v in self.meta.items()}
        self.annotations = sorted(self.annotations, key=lambda a: (a.start_s, a.end_s))

    def __getitem__(self, name: str) -> SensorData:
        try:
            return self.sensors[name]
        except KeyError:
            raise InputError(
                f"no sensor {name!r} in this recording; it has: {', '.join(self.sensors) or 'none'}"
            ) from None

    @property
    def thighs(self) -> list[str]:
        """Names of the thigh sensors present, left first."""
        return [s for s in ("left_thigh", "right_thigh") if s in self.sensors]

    @property
    def start_s(self) -> float:
        return min(float(s.time[0]) for s in self.sensors.values() if len(s))

    @property
    def end_s(self) -> float:
        return max(float(s.time[-1]) for s in self.sensors.values() if len(s))

    def __repr__(self) -> str:
        sensors = ", ".join(f"{n} {len(s)} samples at {s.rate_hz:.1f} Hz" for n, s in self.sensors.items())
        span = f"{self.end_s - self.start_s:.1f} s" if any(len(s) for s in self.sensors.values()) else "empty"
        who = f", athlete {self.meta['athlete']!r}" if self.meta.get("athlete") else ""
        return (f"Recording({sensors or 'no sensor'}; {span}{who}; {len(self.annotations)} annotation(s)"
                + (f", {len(self.warnings)} warning(s))" if self.warnings else ")"))

    def to_dataframe(self):
        """The samples as one long pandas DataFrame, sensor by sensor in time order (each sensor's
        `meta` is not in it: pass it back to `from_dataframe` as `sensor_meta`).

        Returns
        -------
        pandas.DataFrame
            Columns: sensor (location name), time_s (s), acc_x, acc_y, acc_z (m/s^2, sensor frame,
            gravity included), gyr_x, gyr_y, gyr_z (rad/s, sensor frame).
        """
        import pandas as pd

        frames = [pd.DataFrame({"sensor": name, "time_s": s.time,
                                **{f"acc_{a}": s.acc[:, i] for i, a in enumerate("xyz")},
                                **{f"gyr_{a}": s.gyr[:, i] for i, a in enumerate("xyz")}})
                  for name, s in self.sensors.items()]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=DATAFRAME_COLUMNS)

    @classmethod
    def from_dataframe(cls, df, sensor: str = "thigh", meta: dict | None = None,
                       annotations: list[Annotation] | None = None,
                       sensor_meta: dict[str, dict] | None = None) -> "Recording":
        """A Recording from a DataFrame laid out as `to_dataframe` returns it.

        Parameters
        ----------
        df : pandas.DataFrame
            Columns time_s (s), acc_x, acc_y, acc_z (m/s^2), gyr_x, gyr_y, gyr_z (rad/s), and
            optionally sensor (location name per row).
        sensor : the location name when `df` has no sensor column.
        meta, annotations : session metadata and drill annotations.
        sensor_meta : {sensor: its SensorData.meta} (device, rate_hz, ...), which the DataFrame does
            not hold.

        Raises
        ------
        InputError
            A column is missing, or a sensor's time does not increase strictly.
        """
        need = [c for c in DATAFRAME_COLUMNS if c != "sensor"]
        missing = [c for c in need if c not in df.columns]
        if missing:
            raise InputError(f"DataFrame lacks column(s) {', '.join(missing)}; expected {', '.join(need)} "
                             "and optionally sensor")
        groups = df.groupby("sensor", sort=False) if "sensor" in df.columns else [(sensor, df)]
        sensors = {str(name): SensorData(g["time_s"].to_numpy(), g[["acc_x", "acc_y", "acc_z"]].to_numpy(),
                                         g[["gyr_x", "gyr_y", "gyr_z"]].to_numpy(),
                                         (sensor_meta or {}).get(str(name), {})) for name, g in groups}
        return cls(sensors, dict(meta or {}), list(annotations or []))

    def equals(self, other: "Recording") -> bool:
        """Bit-exact equality of every sensor, metadata and annotations."""
        return (
            self.sensors.keys() == other.sensors.keys()
            and all(self.sensors[k].equals(other.sensors[k]) for k in self.sensors)
            and self.meta == other.meta
            and self.annotations == other.annotations
        )
