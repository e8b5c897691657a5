"""Write a recording as samples arrive (as the BLE recorder will), crash-safe, then read it back.

    python examples/record_csv.py OUT.csv
"""

import sys

import numpy as np

import imuhip
from imuhip.io import CsvWriter

out = sys.argv[1] if len(sys.argv) > 1 else "live_demo.csv"
rng = np.random.default_rng(0)
with CsvWriter(out, {"athlete": "Demo"}, {"left_thigh": {"device": "demo"}}) as writer:
    for second in range(3):
        t = second + np.arange(100) / 100.0
        acc = np.array([0.0, 9.81, 0.0]) + rng.normal(0, 0.02, (100, 3))
        writer.append("left_thigh", t, acc, rng.normal(0, 0.01, (100, 3)))
        writer.flush()  # at least once a second: a crash loses at most the last second
    writer.annotate(imuhip.Annotation(0.0, 3.0, "standing", "both"))
rec = imuhip.read_csv(out)
print(f"recorded {len(rec['left_thigh'])} samples, {rec['left_thigh'].rate_hz:.0f} Hz, "
      f"annotations: {[a.drill for a in rec.annotations]}")
