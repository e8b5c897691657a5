"""The one exception family of imuhip, and its warning class.

Every error about user input names where it happened (file, line, sensor, time) and
what was expected, so the command line can print it as one line without a traceback.
"""

from __future__ import annotations


class ImuhipError(Exception):
    """Base class of every error imuhip raises on purpose."""


class InputError(ImuhipError):
    """Bad input data; `path` and `line` (1-based) say where, when known."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None):
        self.path = path
        self.line = line
        self.detail = message
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(where + message)


class EmptyFileError(InputError):
    """The file holds no header or no data row."""


class ColumnError(InputError):
    """A required column is missing or misspelled, or a row has the wrong field count."""


class ValueFormatError(InputError):
    """A field that must be a number is not one."""


class NonFiniteError(InputError):
    """NaN or infinite values where measurements are expected."""


class OutOfRangeError(InputError):
    """Values no body-worn sensor measures (beyond any IMU's range), or a conversion factor that
    cannot be right (zero, negative, absurdly small or large)."""


class TimeOrderError(InputError):
    """Time goes backwards or repeats within one sensor."""


class UnitError(InputError):
    """Values whose size says they are in another unit than the one declared."""


class UnknownSensorError(InputError):
    """A sensor name outside the known locations while reading in strict mode."""


class CalibrationError(ImuhipError):
    """The data cannot give a sensor-to-segment calibration (no movement, too short, bad file)."""


class SimulationError(ImuhipError):
    """An impossible simulator request (unknown scenario, bad option)."""


class MixedSensorsError(InputError):
    """The samples under one sensor name come from several sensors (their signals alternate)."""


class ImuhipWarning(UserWarning):
    """Something the user should know about, with data still usable (gaps, truncation)."""
