"""Files nanosim reads, and how their names and values appear in error lines.

Every file nanosim reads (scenario and sweep TOML, a file network's CSVs) must be a
regular file below a size limit: a device (``/dev/zero``), a FIFO or a socket would
never end or never start, and an over-large file would fill the memory before a line
of it is checked. Error lines quote neither a file's contents nor long lists: a value
read from a file appears only as a short, printable token, and lists are cut short.
"""

from __future__ import annotations

import os
import re
import stat

from nanosim.errors import ScenarioError

TOML_LIMIT = 16 << 20  # a scenario or sweep file: real ones are a few kilobytes
CSV_LIMIT = 1 << 30  # a file network's node or edge table (pandas holds ~10x in memory)
SHOWN_ITEMS = 8  # items of a list an error line names before "... and N more"
SHOWN_CHARS = 40  # characters of a value read from a file an error line shows
_PLAIN = re.compile(r"[\w .:@+\-/]*")


def check_file(path, limit: int, key: str = "", what: str = "file") -> int:
    """The size of ``path``; ScenarioError unless it is a regular file of at most ``limit``
    bytes (``what`` names the kind of file in the message)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise ScenarioError(str(path), key, "no such file") from None
    except OSError as e:
        raise ScenarioError(str(path), key, f"cannot read: {e.strerror}") from None
    if stat.S_ISDIR(st.st_mode):
        raise ScenarioError(str(path), key, f"is a folder (give a {what})")
    if not stat.S_ISREG(st.st_mode):
        raise ScenarioError(str(path), key, f"is not a regular file (a device, FIFO or socket; "
                                            f"give a {what})")
    if st.st_size > limit:
        raise ScenarioError(str(path), key, f"is {format_bytes(st.st_size)}, above the "
                                            f"{format_bytes(limit)} limit for a {what}")
    return st.st_size


def read_text(path, limit: int = TOML_LIMIT, key: str = "", what: str = "TOML file") -> str:
    """A regular file's text (UTF-8), refused by :func:`check_file`'s rules before reading.

    The file is opened without blocking, so a FIFO put in its place after the check does
    not hang, and checked again once open.
    """
    check_file(path, limit, key, what)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as e:
        raise ScenarioError(str(path), key, f"cannot read: {e.strerror}") from None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ScenarioError(str(path), key, "is not a regular file")
        data = f.read(limit + 1)
    if len(data) > limit:
        raise ScenarioError(str(path), key, f"is above the {format_bytes(limit)} limit for a "
                                            f"{what}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(str(path), key, "not a UTF-8 text file") from None


def shown(value) -> str:
    """A value read from a file as an error line may show it: quoted, short and printable,
    else only its length."""
    text = str(value)
    if len(text) <= SHOWN_CHARS and _PLAIN.fullmatch(text):
        return repr(text)
    return f"(a value of {len(text)} characters)"


def listed(items, limit: int = SHOWN_ITEMS) -> str:
    """``a, b, c`` for at most ``limit`` items, then ``... and N more``."""
    items = [str(x) for x in items]
    more = f" ... and {len(items) - limit} more" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more


def format_bytes(n: float) -> str:
    """``512 B``, ``3.1 MiB``, ``2.0 GiB``."""
    units = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")
    i = 0
    while abs(n) >= 1024 and i < len(units) - 1:
        n, i = n / 1024, i + 1
    return f"{n:.0f} B" if i == 0 else f"{n:.1f} {units[i]}"
