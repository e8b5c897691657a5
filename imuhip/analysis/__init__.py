"""From angles to what a coach asks: holds, reps, strides, cadence, table test, symmetry."""

from imuhip.analysis.events import Hold, Rep, Stride, find_holds, find_reps, find_strides
from imuhip.analysis.session import DRILLS, Analysis, Options, analyze, analyze_angles
from imuhip.analysis.symmetry import Symmetry, compare

__all__ = ["DRILLS", "Analysis", "Hold", "Options", "Rep", "Stride", "Symmetry", "analyze", "analyze_angles", "compare",
           "find_holds", "find_reps", "find_strides"]
