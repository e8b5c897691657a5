"""Analyse a recording: thigh angles, holds, reps, strides and symmetry.

    python examples/analyse_csv.py [recordings/demo_knee_raise.csv]
"""

import sys
from pathlib import Path

import imuhip
from imuhip.analysis import analyze

path = sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent.parent / "recordings" / "demo_knee_raise.csv"
rec = imuhip.read(path)  # any format imuhip reads
result = analyze(rec)

angles = result.angles  # DataFrame: time_s, left_thigh_elevation_deg, ...
print(f"peak left thigh elevation: {angles['left_thigh_elevation_deg'].max():.1f} deg")
for hold in result.holds:
    print(f"{hold.side} hold above {hold.threshold_deg:.0f} deg: {hold.duration_s:.1f} s "
          f"(mean {hold.mean_angle_deg:.1f} deg)")
