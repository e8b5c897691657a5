"""Bluetooth LE sensors: one pure decoder module per protocol (bytes in, samples out), the
per-protocol streams (`streams`), the recorder (`recorder`, `imuhip record`), its live view
(`live`), device-to-session clocks (`clock`) and the bleak backend on a virtual bumble link with
simulated sensors (`virtual`, needs the `sim` extra). See docs/ble.md.
"""

from imuhip.ble.errors import DecodeError

__all__ = ["DecodeError"]
