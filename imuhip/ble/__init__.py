"""Bluetooth LE sensors: one pure decoder module per protocol (bytes in, samples out).

Status: the decoders and their test vectors exist; scanning, recording and the simulated
link are not built yet (see the BLE ingest issue).
"""

from imuhip.ble.errors import DecodeError

__all__ = ["DecodeError"]
