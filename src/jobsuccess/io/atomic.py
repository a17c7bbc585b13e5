"""Atomic writes: build the output beside the target, then rename it into place.

A crash or an error mid-write leaves the previous output (or nothing), never half a file.
The output gets the permissions the process's umask gives a new file (or folder), like any
other tool's: `tempfile` makes its files 0600 and its folders 0700, private to the owner.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path

from jobsuccess.errors import InputError


def umask_mode(folder: bool = False) -> int:
    """The mode a new file (``folder``: directory) gets under the process's umask."""
    mask = os.umask(0)
    os.umask(mask)
    return (0o777 if folder else 0o666) & ~mask


def write_file_atomically(path: Path, data: bytes | Iterable[bytes]) -> None:
    """Replace ``path`` with ``data`` (bytes, or pieces written as they come) in one rename."""
    refuse_folder(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as stream:
            for piece in [data] if isinstance(data, bytes) else data:
                stream.write(piece)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(tmp, umask_mode())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def refuse_folder(path: Path) -> None:
    """A file's target must not be a folder: say so before any work (rename would fail)."""
    if path.is_dir():
        raise InputError("is a folder: give the path of the file to write", file=str(path))


@contextlib.contextmanager
def replacing_folder(folder: Path, owned: frozenset[str]) -> Iterator[Path]:
    """Yield an empty folder beside ``folder`` that replaces it once the block succeeds.

    An existing ``folder`` is replaced only if it holds nothing but files named in ``owned``
    (a previous output), so that a mistyped path never deletes someone's files.
    """
    if folder.exists():
        if not folder.is_dir():
            raise FileExistsError(f"{folder}: exists and is not a folder")
        foreign = sorted(p.name for p in folder.iterdir() if p.name not in owned)
        if foreign:
            raise FileExistsError(
                f"{folder}: holds other files ({', '.join(foreign[:3])}); "
                "write the tables to a new or empty folder"
            )
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.", suffix=".tmp"))
    try:
        yield tmp
        os.chmod(tmp, umask_mode(folder=True))
        for written in tmp.iterdir():
            with written.open("rb") as stream:
                os.fsync(stream.fileno())
            os.chmod(written, umask_mode())
        if folder.exists():
            old = folder.parent / f".{folder.name}.{uuid.uuid4().hex}.old"
            os.rename(folder, old)
            os.rename(tmp, folder)
            shutil.rmtree(old)
        else:
            os.rename(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
