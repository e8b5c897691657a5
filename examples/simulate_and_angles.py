"""Simulate a knee-raise session with a random sensor mounting and check the angle engine.

    python examples/simulate_and_angles.py
"""

import numpy as np

from imuhip.angles import angles_table
from imuhip.simulate import simulate

sim = simulate("knee_raise_hold", seed=3, pelvis=True)
table, results = angles_table(sim.recording)
for name in ("left_thigh", "right_thigh"):
    err = table[f"{name}_elevation_deg"] - sim.truth[name]["elevation_deg"]
    print(f"{name}: elevation RMSE {np.sqrt(np.mean(err ** 2)):.2f} deg against the simulator's truth; "
          f"calibration planarity {results[name].calibration.planarity:.2f}")
