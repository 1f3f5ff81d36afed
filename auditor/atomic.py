"""Writing report files safely: atomic for files, never destructive for anything else at the path.

The rules (README, Usage) for what stands at ``--output PATH``:

- nothing, or a regular file: write a temporary file beside it, fsync, rename over it, so an
  interrupted run never leaves a half-written report. A replaced file keeps its permission bits;
  a new one gets the umask's. Missing parent folders are created (``--output build/audit/r``
  works in a fresh CI checkout).
- a symlink: written through to its target (the link stays a link; the target is replaced
  atomically by the rule above, a dangling link's target is created).
- a name for one of this process's descriptors (``/dev/stdout``, ``/dev/fd/N``,
  ``/proc/self/fd/N``, or a symlink to one): written through that descriptor, at its offset, so the
  report lands where the shell's redirection is (see :func:`_own_descriptor`).
- a device, FIFO or socket, or another process's descriptor (``/proc/PID/fd/N``): opened and
  written in place, never unlinked or replaced, so ``--output /dev/full`` fails with "No space
  left on device". A FIFO with no reader is refused instead of waiting for one.
- a directory: refused.

Every failure is an ``OSError``; :func:`write_output` turns it into one :class:`InputError` line.
A report sent to stdout (no ``--output``) gets the same treatment from :func:`write_stdout`: a full
disk behind ``> log`` or a reader that went away (``| head``) is one error line and exit 2, not a
traceback and exit 1, which CI would read as "findings".
"""

from __future__ import annotations

import errno
import os
import stat
import sys
import tempfile
from pathlib import Path

from auditor.errors import InputError


def write_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write *text* (UTF-8) to *path* by the rules in the module docstring; raises ``OSError``."""
    if not os.fspath(path):
        raise FileNotFoundError(errno.ENOENT, "empty path", "")
    data = text.encode("utf-8")
    own = _own_descriptor(path)
    if own is not None:
        _write_descriptor(own, data)
        return
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


_STD_NAMES = {"stdout": 1, "stderr": 2}


def _own_descriptor(path: str | os.PathLike[str]) -> int | None:
    """The descriptor of this process that *path* names (``/dev/stdout``, ``/dev/fd/3``,
    ``/proc/self/fd/1``, or a symlink to one of them), else None.

    Such a name is written through the descriptor itself, never re-opened: a re-opened
    ``/dev/stdout`` is a new open file with its own offset, so when stdout is a file (``{ ...; } >
    log``) whatever the shell wrote after the run overwrote the start of the report.
    """
    current = os.path.abspath(path)
    own = {"self", "thread-self", str(os.getpid())}
    for _ in range(40):  # the kernel's own bound on a chain of symlinks
        parts = Path(current).parts
        if len(parts) == 3 and parts[1] == "dev" and parts[2] in _STD_NAMES:
            return _STD_NAMES[parts[2]]
        if len(parts) == 4 and parts[1:3] == ("dev", "fd") and parts[3].isdigit():
            return int(parts[3])
        if len(parts) == 5 and parts[1] == "proc" and parts[2] in own and parts[3] == "fd" and parts[4].isdigit():
            return int(parts[4])
        if not os.path.islink(current):
            return None
        current = os.path.normpath(os.path.join(os.path.dirname(current), os.readlink(current)))
    return None


def _write_descriptor(fd: int, data: bytes) -> None:
    """Write *data* at the descriptor's own offset, after anything Python buffered for it."""
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None and stream.fileno() == fd:
                stream.flush()
        except (OSError, ValueError, AttributeError):  # a capture without a descriptor
            pass
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


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


def check_output_path(path: str) -> None:
    """Refuse at once an ``--output`` that cannot name a file: empty, or ending in a separator.

    ``--output build/`` names a folder. Written as is it became a file called ``build`` (and with
    several formats hidden files ``build/.json``...) while the run announced ``wrote build/``.
    """
    if not path:
        raise InputError("--output: empty path")
    if path.endswith(("/", os.sep)) or (os.altsep and path.endswith(os.altsep)):
        raise InputError(f"--output {path}: names a folder (ends with '/'); give a file name, such as {path}report")


def write_output(path: str, text: str) -> None:
    """:func:`write_atomic`, with any failure (EACCES, ENOSPC, EISDIR...) as one user-facing error."""
    check_output_path(path)
    try:
        write_atomic(path, text)
    except OSError as exc:
        raise InputError(f"{path}: cannot write ({exc.strerror or exc})") from None


def write_stdout(text: str) -> None:
    """Write *text* to stdout and flush it now, so a failure is raised here and not at exit.

    On failure stdout is pointed at the null device first: the interpreter flushes stdout again at
    exit, and the unwritten rest would otherwise fail a second time as a traceback-like warning.
    """
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except OSError as exc:
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
        except (OSError, ValueError):  # stdout without a descriptor (a test's capture): nothing to redirect
            pass
        raise InputError(f"stdout: cannot write ({exc.strerror or exc})") from None


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
    # The name is cut so that a target name near NAME_MAX (255 bytes) still leaves room for the suffixes.
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name[:40]}.", suffix=".tmp", dir=directory)
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
