"""Writing the files a person names (``-o``, ``--junit``, an export): whole or not at all.

Every writer of yibao goes through here, so that they all behave alike:

- a **regular file or a new path** is written to a temporary file in the same folder, synced
  to disk, then renamed onto the target (``os.replace``): a reader sees the old file or the
  new one, never half of one. The new file keeps the old one's permission bits (a new path
  gets the usual ``0666`` less the umask). On any failure the temporary file is removed, the
  old file is left as it was, and an :class:`OutputError` names the path and the reason.
  An existing file that the user may not write stays protected (``Permission denied``),
  although the rename itself would be allowed.
- a **symbolic link** to a file: the file it points to is replaced, the link stays a link.
- a **character or block device, a FIFO, a socket** (``/dev/null``, ``/dev/stdout``, a named
  pipe) is written in place: opened for writing without creating or truncating, never
  replaced by a regular file, even when run as root.
- ``-`` is standard output.
- a **folder** is an error.

A rename replaces a hard-linked file by a new one: the other names keep the old content.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from yibao.dsl.errors import YibaoError

__all__ = ["STDOUT", "OutputError", "is_stream", "open_output", "output_path", "write_atomic"]

STDOUT = "-"


class OutputError(YibaoError, OSError):
    """An output that could not be written: one line with the path and the reason.

    Also an ``OSError`` (with ``errno``, ``strerror`` and ``filename``), so code that
    already handles those (the explainer's export) reports it too.
    """

    def __init__(self, path: str | os.PathLike[str], reason: str, code: int | None = None) -> None:
        OSError.__init__(self, code or 0, reason, os.fspath(path))
        self.path = os.fspath(path)
        self.reason = reason

    def __str__(self) -> str:
        return f"cannot write {self.path}: {self.reason}"


def _reason(err: OSError) -> str:
    return err.strerror or str(err)


def _wrap(path: str | os.PathLike[str], err: OSError) -> OutputError:
    if isinstance(err, OutputError):
        return err
    return OutputError(path, _reason(err), err.errno)


@dataclass(frozen=True)
class _Target:
    """Where the bytes go: ``path`` itself in place, or a new file renamed onto ``path``."""

    path: Path
    in_place: bool
    mode: int = 0o644
    owner: tuple[int, int] | None = None
    stdout: bool = False


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _target(path: str | os.PathLike[str], parents: bool) -> _Target:
    """Look at what ``path`` names (following links) and decide how to write it."""
    if os.fspath(path) == STDOUT:
        return _Target(Path(STDOUT), in_place=True, stdout=True)
    p = Path(path)
    try:
        st = os.stat(p)
    except FileNotFoundError:
        real = Path(os.path.realpath(p)) if os.path.islink(p) else p  # a dangling link: create its file
        folder = real.parent
        if parents:
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise _wrap(path, err) from None
        elif not folder.is_dir():
            raise OutputError(path, f"no such folder: {folder}", errno.ENOENT) from None
        return _Target(real, in_place=False, mode=0o666 & ~_umask())
    except OSError as err:
        raise _wrap(path, err) from None
    if stat.S_ISDIR(st.st_mode):
        raise OutputError(path, "is a folder, not a file", errno.EISDIR)
    if not stat.S_ISREG(st.st_mode):  # a device, a FIFO, a socket: write where it is
        return _Target(p, in_place=True)
    if not os.access(p, os.W_OK):
        raise OutputError(path, os.strerror(errno.EACCES), errno.EACCES)
    real = Path(os.path.realpath(p)) if os.path.islink(p) else p
    return _Target(real, in_place=False, mode=stat.S_IMODE(st.st_mode), owner=(st.st_uid, st.st_gid))


def is_stream(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is standard output or an existing device or FIFO (written in place)."""
    if os.fspath(path) == STDOUT:
        return True
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def _temporary(target: _Target) -> tuple[int, Path]:
    fd, name = tempfile.mkstemp(dir=target.path.parent, prefix=f".{target.path.name}.", suffix=".tmp")
    return fd, Path(name)


def _commit(tmp: Path, target: _Target) -> None:
    """Give the finished temporary file the old file's mode (and owner), then rename it into place."""
    os.chmod(tmp, target.mode)
    if target.owner is not None and target.owner != (os.geteuid(), os.getegid()):
        with suppress(OSError):  # only root may give a file away; the content is what matters
            os.chown(tmp, *target.owner)
    os.replace(tmp, target.path)
    try:  # make the rename itself durable
        dir_fd = os.open(target.path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        with suppress(OSError):
            os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _discard(tmp: Path) -> None:
    with suppress(FileNotFoundError):
        tmp.unlink()


@contextmanager
def open_output(path: str | os.PathLike[str], *, binary: bool = False, encoding: str = "utf-8",
                parents: bool = False) -> Iterator[IO[Any]]:
    """A file to write ``path`` through, for writers that write as they go (JSON lines).

    ``parents`` creates missing folders. Raises :class:`OutputError` when anything fails;
    the target is then as it was before.
    """
    target = _target(path, parents)
    if target.stdout:
        stream: IO[Any] = sys.stdout.buffer if binary else sys.stdout
        yield stream
        stream.flush()
        return
    mode = "wb" if binary else "w"
    text: dict[str, Any] = {} if binary else {"encoding": encoding}
    if target.in_place:
        try:
            fd = os.open(target.path, os.O_WRONLY | os.O_NOCTTY)  # neither create nor truncate
            with os.fdopen(fd, mode, **text) as f:
                yield f
        except OSError as err:
            raise _wrap(path, err) from None
        return
    try:
        fd, tmp = _temporary(target)
    except OSError as err:
        raise _wrap(path, err) from None
    try:
        with os.fdopen(fd, mode, **text) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        _commit(tmp, target)
    except BaseException as err:
        _discard(tmp)
        if isinstance(err, OSError):
            raise _wrap(path, err) from None
        raise


@contextmanager
def output_path(path: str | os.PathLike[str], *, parents: bool = False) -> Iterator[Path]:
    """A file name to write ``path`` under, for writers that open the file themselves (pyarrow,
    ElementTree): a temporary file renamed onto ``path`` when the block ends without error,
    or a device's own name. Standard output (``-``) has no name: an :class:`OutputError`.

    Only for writers that never remove the file they were given: one that deletes its output
    when it fails (``pyarrow.parquet.write_table`` with a name) would delete a device here,
    so give it a file from :func:`open_output` instead.
    """
    target = _target(path, parents)
    if target.stdout:
        raise OutputError(path, "this output needs a file name, not standard output")
    if target.in_place:
        try:
            yield target.path
        except OSError as err:
            raise _wrap(path, err) from None
        return
    try:
        fd, tmp = _temporary(target)
        os.close(fd)
    except OSError as err:
        raise _wrap(path, err) from None
    try:
        yield tmp
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        _commit(tmp, target)
    except BaseException as err:
        _discard(tmp)
        if isinstance(err, OSError):
            raise _wrap(path, err) from None
        raise


def write_atomic(path: str | os.PathLike[str], data: str | bytes, *, encoding: str = "utf-8",
                 parents: bool = False) -> None:
    """Write ``data`` (text or bytes) to ``path`` whole, or leave ``path`` as it was and raise
    :class:`OutputError`. ``-`` is standard output; devices and FIFOs are written in place."""
    with open_output(path, binary=isinstance(data, bytes), encoding=encoding, parents=parents) as f:
        f.write(data)
