"""The decoders' one error: which protocol, what was wrong, and the packet's first bytes."""

from __future__ import annotations

from imuhip.errors import ImuhipError


class DecodeError(ImuhipError):
    """A notification that does not decode; `packet` holds its bytes."""

    def __init__(self, protocol: str, message: str, packet: bytes):
        self.protocol = protocol
        self.packet = bytes(packet)
        head = self.packet[:16].hex(" ") + (" ..." if len(self.packet) > 16 else "")
        super().__init__(f"{protocol}: {message} (packet of {len(self.packet)} bytes: {head})")


#: Conversion factors and scales a sensor may announce: beyond these they cannot be right.
FACTOR_RANGE = (1e-9, 1e6)


def check_values(protocol: str, acc, gyr, packet: bytes) -> None:
    """DecodeError unless every sample is finite and within an IMU's range (acc m/s^2, gyr rad/s)."""
    import numpy as np

    from imuhip.io.units import MAX_ABS_ACC, MAX_ABS_GYR

    for values, limit, what in ((acc, MAX_ABS_ACC, "acceleration"), (gyr, MAX_ABS_GYR, "angular rate")):
        if not np.isfinite(values).all():
            raise DecodeError(protocol, f"non-finite {what}", packet)
        if values.size and np.abs(values).max() > limit:
            raise DecodeError(protocol, f"{what} of {np.abs(values).max():.3g} beyond any IMU's range ({limit:g})",
                              packet)


def check_factor(protocol: str, what: str, value: float, packet: bytes) -> float:
    """`value` when it is a usable conversion factor or scale (finite, within FACTOR_RANGE), else DecodeError."""
    low, high = FACTOR_RANGE
    if not low <= value <= high:  # also refuses NaN
        raise DecodeError(protocol, f"{what} {value!r} cannot be right (expected {low:g} to {high:g})", packet)
    return value
