"""Reading and writing recordings: the imuhip CSV format and exports of other tools."""

from __future__ import annotations

import os
from pathlib import Path

from imuhip.errors import InputError
from imuhip.io.imuhip_csv import CsvWriter, read_csv, write_csv
from imuhip.io import hugadb, xsens_mt
from imuhip.io.hugadb import read_hugadb
from imuhip.io.xsens_mt import read_xsens_mt
from imuhip.recording import Recording

__all__ = ["CsvWriter", "read_any", "read_csv", "read_hugadb", "read_xsens_mt", "write_csv"]


def read_any(path: str | os.PathLike) -> Recording:
    """Read a recording in any format imuhip knows, chosen from the file's first lines."""
    p = Path(path)
    try:
        with open(p, "rb") as f:
            head = f.read(4096).decode("utf-8", errors="replace")
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", str(path)) from None
    if xsens_mt.looks_like(head):
        return read_xsens_mt(p)
    if hugadb.looks_like(head):
        return read_hugadb(p)
    return read_csv(p)
