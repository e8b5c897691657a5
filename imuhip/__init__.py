"""imuhip: thigh-worn IMU toolkit for hip flexion drills and runs.

Units inside the library: time in s, acceleration in m/s^2, angular rate in rad/s.

    import imuhip
    rec = imuhip.read("session.csv")        # any format imuhip reads (imuhip CSV or an app export)
    rec                                     # Recording(left_thigh 3120 samples at 104.0 Hz, ...)
    df = rec.to_dataframe()                 # one row per sample: sensor, time_s, acc_* m/s^2, gyr_* rad/s
    rec2 = imuhip.Recording.from_dataframe(df, meta={"athlete": "Ana"})

The readers and writers load on first use, so `import imuhip` (and the command line) start fast.
"""

__version__ = "0.1.0"

from imuhip.errors import ImuhipError, ImuhipWarning

__all__ = [
    "__version__",
    "Annotation",
    "CsvWriter",
    "Gap",
    "ImuhipError",
    "ImuhipWarning",
    "Recording",
    "SensorData",
    "read",
    "read_any",
    "read_csv",
    "write_csv",
]

_LAZY = {"Annotation": "imuhip.recording", "Gap": "imuhip.recording", "Recording": "imuhip.recording",
         "SensorData": "imuhip.recording", "CsvWriter": "imuhip.io", "read_csv": "imuhip.io",
         "write_csv": "imuhip.io", "read_any": "imuhip.io"}


def read(path, sensor: str | None = None):
    """Read a recording in any format imuhip knows (imuhip CSV, Sensor Logger, Polar, MetaBase,
    phyphox, Movella DOT, Xsens MT, HuGaDB, ...): the same as `imuhip.io.read_any`.

    Parameters
    ----------
    path : file or export folder.
    sensor : location name for a single-sensor export (default: the reader's own, e.g. 'thigh').

    Returns
    -------
    Recording
    """
    from imuhip.io import read_any

    return read_any(path, sensor)


SUBPACKAGES = ("analysis", "angles", "batch", "ble", "io", "report", "simulate")


def __getattr__(name: str):
    import importlib

    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    elif name in SUBPACKAGES:  # `import imuhip; imuhip.io.read_any(...)` keeps working
        value = importlib.import_module(f"imuhip.{name}")
    else:
        raise AttributeError(f"module 'imuhip' has no attribute {name!r}")
    globals()[name] = value
    return value
