"""Writing a checkpoint file atomically: a reader sees the old file or the new one, never half.

NOTE [ atomic save ]: ``save`` writes into a temporary file beside the target,
flushes and ``fsync``s it, renames it over the target (``os.replace``, atomic on
POSIX) and ``fsync``s the directory so the rename itself is durable.  Details that
make it behave like writing the file in place:

* the target of a symlink is written and the link stays a link;
* the new file's mode is the old file's, or ``0o666`` less the umask for a new one;
* temporary files are named ``.<name>.numtorch-save-<pid>-<random>.tmp``, so a save
  killed by SIGKILL leaves a recognisable file; the next save to the same path
  removes those whose process is gone;
* an error while writing names the target path, not the temporary file.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat

__all__ = ["atomic_write", "temp_prefix"]


def temp_prefix(target: str) -> str:
    return f".{os.path.basename(target)}.numtorch-save-"


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists but owned by someone else
        return True
    return True


def _remove_stale(folder: str, target: str) -> None:
    pattern = re.compile(re.escape(temp_prefix(target)) + r"(\d+)-[0-9a-f]+\.tmp")
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        m = pattern.fullmatch(name)
        if m and not _pid_alive(int(m.group(1))):
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(folder, name))


def _fsync_dir(folder: str) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_write(path: str):
    """Yield a binary file to write; on success it replaces ``path`` (see NOTE [ atomic save ])."""
    target = os.path.realpath(path)
    folder = os.path.dirname(target)
    if not os.path.isdir(folder):
        raise RuntimeError(f"Parent directory {folder} does not exist.")
    _remove_stale(folder, target)
    tmp = os.path.join(folder, f"{temp_prefix(target)}{os.getpid()}-{secrets.token_hex(6)}.tmp")
    try:
        old_mode = stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        old_mode = None
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    except OSError as e:
        if e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise RuntimeError(f"File {path} cannot be opened.") from None
        raise OSError(e.errno, e.strerror, os.fspath(path)) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            if old_mode is not None and hasattr(os, "fchmod"):
                os.fchmod(fh.fileno(), old_mode)
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(e, OSError) and e.filename in (tmp, None) and e.errno is not None:
            raise OSError(e.errno, e.strerror, os.fspath(path)) from None
        raise
    _fsync_dir(folder)
