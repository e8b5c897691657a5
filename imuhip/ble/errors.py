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
