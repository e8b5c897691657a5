"""imuhip: thigh-worn IMU toolkit for hip flexion drills and runs.

Units inside the library: time in s, acceleration in m/s^2, angular rate in rad/s.
"""

__version__ = "0.1.0"

from imuhip.errors import ImuhipError, ImuhipWarning
from imuhip.recording import Annotation, Gap, Recording, SensorData
from imuhip.io import CsvWriter, read_csv, write_csv

__all__ = [
    "__version__",
    "Annotation",
    "CsvWriter",
    "Gap",
    "ImuhipError",
    "ImuhipWarning",
    "Recording",
    "SensorData",
    "read_csv",
    "write_csv",
]
