"""Writing files atomically and hashing them: what every floor needs, without pandas.

The batch workers import this, not :mod:`qualitylib.data.io`, so that a worker (which only runs
papermill and nbconvert) does not import pandas.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(target: str | os.PathLike):
    """Yield a temporary path beside ``target``; on success rename it over ``target``.

    A failure inside the block removes the temporary file and leaves ``target`` as it was.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def file_hash(path: str | os.PathLike) -> str:
    """SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def rewrite_archive(path: str | os.PathLike, rewrite) -> None:
    """Write the zip archive at ``path`` again, each member passed through ``rewrite(name, data)``.

    ``rewrite`` returns ``None`` to keep the member as it is, or the pieces (bytes) of its new content,
    written one after another (an iterator lets go of each piece once it is written). The archive is
    small enough to be read whole (an Excel workbook or a Word document written moments before);
    an exception from ``rewrite`` leaves the file half written: write into a temporary file
    (:func:`atomic_path`).
    """
    import io
    import zipfile

    path = Path(path)
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as src, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as out:
        for info in src.infolist():
            data = src.read(info)
            pieces = rewrite(info.filename, data)
            if pieces is None:
                out.writestr(info, data)
                continue
            with out.open(info, "w") as member:  # as writestr does, a piece at a time
                for piece in pieces:
                    member.write(piece)
