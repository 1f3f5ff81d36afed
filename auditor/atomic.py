"""Writing report files safely: atomic for files, never destructive for anything else at the path.

The rules (README, Usage) for what stands at ``--output PATH``:

- nothing, or a regular file: write a temporary file beside it, fsync, rename over it, so an
  interrupted run never leaves a half-written report. A replaced file keeps its permission bits;
  a new one gets the umask's. Missing parent folders are created (``--output build/audit/r``
  works in a fresh CI checkout).
- a symlink: written through to its target (the link stays a link; the target is replaced
  atomically by the rule above, a dangling link's target is created).
- a device, FIFO or socket, or a descriptor name (``/dev/stdout``, ``/dev/fd/N``,
  ``/proc/PID/fd/N``) whatever it leads to: opened and written in
  place, never unlinked or replaced, so ``--output /dev/stdout`` works (appending when stdout is a
  redirected file) and ``--output /dev/full`` fails with "No space left on device". A FIFO with
  no reader is refused instead of waiting for one.
- a directory: refused.

Every failure is an ``OSError``; :func:`write_output` turns it into one :class:`InputError` line.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path

from auditor.errors import InputError


def write_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write *text* (UTF-8) to *path* by the rules in the module docstring; raises ``OSError``."""
    if not os.fspath(path):
        raise FileNotFoundError(errno.ENOENT, "empty path", "")
    data = text.encode("utf-8")
    try:
        st: os.stat_result | None = os.stat(path)  # follows symlinks: the target is what counts
    except FileNotFoundError:
        st = None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), os.fspath(path))
    if st is not None and (not stat.S_ISREG(st.st_mode) or _names_a_descriptor(path)):
        _write_in_place(path, data, fifo=stat.S_ISFIFO(st.st_mode), append=stat.S_ISREG(st.st_mode))
        return
    # A symlink (even a dangling one) is replaced at its target, never turned into a regular file.
    target = Path(os.path.realpath(path))
    if st is not None and not _same_file(target, st):
        # The name resolves elsewhere than the file (a deleted file behind a /proc link): in place.
        _write_in_place(path, data, fifo=False, append=True)
        return
    _replace(target, data, None if st is None else stat.S_IMODE(st.st_mode))


def _names_a_descriptor(path: str | os.PathLike[str]) -> bool:
    """``/dev/stdout``, ``/dev/fd/3``, ``/proc/self/fd/1``: a stream the caller opened, not a file to replace."""
    parts = Path(os.path.abspath(path)).parts
    if len(parts) > 2 and parts[1] == "dev":
        return parts[2] in ("stdout", "stderr", "fd")
    return len(parts) > 3 and parts[1] == "proc" and "fd" in parts[3:]


def _same_file(target: Path, st: os.stat_result) -> bool:
    try:
        other = os.stat(target)
    except OSError:
        return False
    return (other.st_dev, other.st_ino) == (st.st_dev, st.st_ino)


def write_output(path: str, text: str) -> None:
    """:func:`write_atomic`, with any failure (EACCES, ENOSPC, EISDIR...) as one user-facing error."""
    if not path:
        raise InputError("--output: empty path")
    try:
        write_atomic(path, text)
    except OSError as exc:
        raise InputError(f"{path}: cannot write ({exc.strerror or exc})") from None


def _write_in_place(path: str | os.PathLike[str], data: bytes, fifo: bool, append: bool) -> None:
    flags = os.O_WRONLY | getattr(os, "O_NOCTTY", 0) | (os.O_APPEND if append else 0)
    if fifo:
        flags |= os.O_NONBLOCK  # open fails with ENXIO at once when nobody reads the FIFO
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if fifo and exc.errno == errno.ENXIO:
            raise OSError(errno.ENXIO, "a FIFO with no reader", os.fspath(path)) from None
        raise
    try:
        if fifo:
            os.set_blocking(fd, True)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def _replace(target: Path, data: bytes, mode: int | None) -> None:
    """Temporary file beside *target* (so the rename stays on one file system), fsync, rename."""
    directory = target.parent
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is None:
            # mkstemp creates 0600 files; a new report is an ordinary file, so honour the umask.
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
