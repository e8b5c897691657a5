"""Reading a text file safely: bounded, strict UTF-8, every refusal naming the file and line.

The limits on what one line, one row and one file member may hold live here, for every reader:
a row of any format imuhip reads is well under a kilobyte, so a longer line is a damaged file,
and refusing it early keeps a reader from hanging or filling memory on it.
"""

from __future__ import annotations

import os

import numpy as np

from imuhip.errors import EmptyFileError, InputError

#: Longest line (characters or bytes) any reader accepts.
MAX_LINE_CHARS = 64 * 1024
#: Most fields a header row may have (the widest export, HuGaDB, has 39).
MAX_FIELDS = 1000
#: Largest member of a zip export that is unpacked (bytes): a bound on zip bombs.
MAX_MEMBER_BYTES = 1 << 30


def read_bytes(path: str | os.PathLike) -> bytes:
    """The bytes of a file; InputError (naming it) when it cannot be read."""
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", str(path)) from None


def check_text(data: bytes, path: str | os.PathLike, first_line: int = 1, lines: bool = True,
               nul: bool = False) -> None:
    """Raise unless `data` is UTF-8 text (BOM already dropped): EmptyFileError for an empty or blank
    file, InputError for UTF-16, a binary file (a NUL byte, unless `nul` allows them), bytes that
    are not UTF-8 or (with `lines`) a line longer than MAX_LINE_CHARS, naming the line
    (`first_line` is the number of data's first line)."""
    where = str(path)
    if not data.strip():
        raise EmptyFileError("empty file", where)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError("UTF-16 text: save the file as UTF-8", where, first_line)
    at = -1 if nul else data.find(b"\x00")
    if at != -1:
        raise InputError("not a text file (a NUL byte)", where, data.count(b"\n", 0, at) + first_line)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        column = exc.start - data.rfind(b"\n", 0, exc.start)
        raise InputError(f"not UTF-8 text: byte 0x{data[exc.start]:02x} at column {column}; save the file as UTF-8",
                         where, data.count(b"\n", 0, exc.start) + first_line) from None
    if lines:
        check_lines(data, where, first_line)


def decode(data: bytes, path: str | os.PathLike, lines: bool = True) -> str:
    """UTF-8 text of `data` (a leading BOM dropped), checked by `check_text`; old Mac line ends
    (CR only) become newlines. `lines`: the text is line-oriented (JSON, for one, is not)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\n" not in data:
        data = data.replace(b"\r", b"\n")
    check_text(data, path, 1, lines)
    return data.decode("utf-8")


def read_text(path: str | os.PathLike, lines: bool = True) -> str:
    """A whole text file as str, refused clearly when it is not bounded UTF-8 text (see `decode`)."""
    return decode(read_bytes(path), path, lines)


def check_lines(text: str | bytes, path: str | os.PathLike, first_line: int = 1) -> None:
    """InputError at the first line longer than MAX_LINE_CHARS (`first_line` is the number of
    the first line of `text` in the file)."""
    if len(text) <= MAX_LINE_CHARS:
        return
    if isinstance(text, bytes):
        ends = np.flatnonzero(np.frombuffer(text, dtype=np.uint8) == 10)
    else:
        ends = _str_line_ends(text)
    bounds = np.concatenate([[-1], ends, [len(text)]])
    lengths = np.diff(bounds) - 1
    k = int(np.argmax(lengths > MAX_LINE_CHARS)) if (lengths > MAX_LINE_CHARS).any() else -1
    if k >= 0:
        raise InputError(f"line of {int(lengths[k]):,} characters; expected at most {MAX_LINE_CHARS:,} "
                         f"(a row of a recording is far shorter: the file is damaged)", str(path), first_line + k)


def _str_line_ends(text: str) -> np.ndarray:
    """Positions of the newlines in `text`."""
    lengths = np.array([len(line) for line in text.split("\n")], dtype=np.int64)
    return np.cumsum(lengths + 1)[:-1] - 1
