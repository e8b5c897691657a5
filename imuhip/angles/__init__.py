"""Thigh and pelvis angles: mount-anywhere calibration and drift-free fusion (docs/angles.md)."""

from imuhip.angles.calibration import Calibration, calibrate
from imuhip.angles.engine import SegmentAngles, StreamingAngles, angles_table, segment_angles, table_of

__all__ = ["Calibration", "SegmentAngles", "StreamingAngles", "angles_table", "calibrate", "segment_angles",
           "table_of"]
