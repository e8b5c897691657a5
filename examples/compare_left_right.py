"""Left against right: knee drive in a simulated sprint where the right side drives 8 % less.

    python examples/compare_left_right.py
"""

from imuhip.analysis import analyze
from imuhip.simulate import SimOptions, simulate

sim = simulate("sprint", SimOptions(seed=1, knee_drive={"left": 1.0, "right": 0.92}))
result = analyze(sim.recording)
for s in result.symmetry:
    verdict = f"asymmetric: {s.describe_lower()}" if s.flagged else "within the 90 % limb symmetry index"
    spread = f"95 % CI {s.ci95[0]:.1f} .. {s.ci95[1]:.1f} %" if s.ci95 else s.note
    print(f"{s.metric}: left {s.left:.1f}, right {s.right:.1f} {s.unit}, LSI {s.lsi_pct:.1f} % ({spread}): {verdict}")
