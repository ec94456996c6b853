"""The cache: validated regions and results computed once per region, data, code and parameters.

Each report runs in a fresh kernel, so without help the analytical note (03) recomputes the
identification that notebook 01 has just computed, and the batch runner computes both again
for the index page. :func:`memoised` keeps such results as pickles in the cache folder
(:func:`cache_dir`; the validated regions of :func:`qualitylib.data.region.load_region` live
there too), under a key made of

* the region's key — the SHA-256 of its files and of the library's own source code
  (:func:`qualitylib.data.region.cache_key`), so new data or a new version never reads old results;
* the function's name and its arguments, the parameters included (as canonical JSON).

A result is a fresh copy on every read (unpickled), so a caller that changes it changes
nothing shared. Without a cache folder (``QUALITYLIB_CACHE=0``, a read-only home, a region
built in memory) the function is simply called.

Code never runs from a file it did not write. Unpickling runs whatever a pickle asks for,
so every cached file carries an HMAC-SHA256 tag (:data:`MAGIC`, the tag, then the pickle)
made with a secret key kept in the cache folder (:data:`KEY_FILE`, 32 random bytes, created
with mode 0600 on first use). A file whose tag does not match — planted, tampered with,
truncated — is never unpickled: it is removed and the value computed again. The cache
folder and its subfolders are created with mode 0700; a folder, key or cached file that
another user owns, that the group or others may write (the key: read), or that is a
symbolic link is refused: the value is computed without the cache. Each refusal is
reported once per process as a Russian warning of the module logger
(``qualitylib.data.cache``), which the command line prints to standard output. On Windows,
where ownership and permissions are ACLs that ``stat`` does not show, only the symbolic-link
and tag checks apply. Whatever goes wrong with the cache, the computation goes on.
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import hmac
import json
import logging
import os
import pickle
import secrets
import stat
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

logger = logging.getLogger(__name__)

#: Cached regions and result folders not used for this many days are removed when a new one is made.
KEEP_DAYS = 30
#: First bytes of every cached file; the HMAC-SHA256 tag (32 bytes) and the pickle follow.
MAGIC = b"QLCACHE1"
#: The secret key of the tags, in the cache folder.
KEY_FILE = "hmac.key"
KEY_SIZE = 32
_TAG_SIZE = hashlib.sha256().digest_size
#: Windows: ``st_mode`` and ``st_uid`` do not describe who may write (ACLs do).
_POSIX = os.name != "nt"
_OPEN_FLAGS = (os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
               | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
#: Refusals already reported in this process: (path, reason).
_WARNED: set[tuple[str, str]] = set()


def cache_dir() -> Path | None:
    """The cache folder as configured (``QUALITYLIB_CACHE``, ``0`` disables), not yet checked.

    Default ``~/.cache/qualitylib``. :func:`open_cache` checks it before any use.
    """
    value = os.environ.get("QUALITYLIB_CACHE")
    if value == "0":
        return None
    return Path(value) if value else Path.home() / ".cache" / "qualitylib"


def _warn(path: Path, reason: str, what: str) -> None:
    """Report a refusal once per process (``what`` is the sentence, ``reason`` its short key)."""
    if (str(path), reason) in _WARNED:
        return
    _WARNED.add((str(path), reason))
    logger.warning(what)


def _foreign(st: os.stat_result, private: bool = False) -> str | None:
    """Why a file or folder with this ``lstat``/``fstat`` may not be trusted, or ``None``."""
    if stat.S_ISLNK(st.st_mode):
        return "является символической ссылкой"
    getuid = getattr(os, "getuid", None)
    if _POSIX and getuid is not None and st.st_uid != getuid():
        return f"принадлежит другому пользователю (uid {st.st_uid}, а не {getuid()})"
    mask = 0o077 if private else 0o022
    if _POSIX and st.st_mode & mask:
        what = "доступ разрешён" if private else "запись разрешена"
        return f"имеет права {stat.S_IMODE(st.st_mode):o}: {what} группе или другим пользователям"
    return None


def _safe_folder(path: Path, create: bool) -> Path | None:
    """``path`` as a folder of the cache: created 0700 when missing, refused when not ours."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        if not create:
            return None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(FileExistsError):  # another process made it meanwhile
                os.mkdir(path, 0o700)
                os.chmod(path, 0o700)  # whatever the umask
            st = os.lstat(path)
        except OSError:  # a read-only home: no cache
            return None
    except OSError:
        return None
    why = _foreign(st)
    if why is None and not stat.S_ISDIR(st.st_mode):
        why = "не является папкой"
    if why is not None:
        _warn(path, why, f"Кэш не используется: папка «{path}» {why}. Значения вычисляются заново, "
                         f"без кэша; исправьте права (chmod 700), удалите эту папку или задайте другую в QUALITYLIB_CACHE.")
        return None
    return path


def _read_regular(path: Path, private: bool = False) -> bytes | str | None:
    """The bytes of a file of the cache, ``None`` when there is none, or why it is refused.

    The reason is a Russian phrase. A symbolic link is never followed (``lstat``, then
    ``O_NOFOLLOW``); the owner and the permissions checked are those of the file actually
    opened (``fstat``).
    """
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(st.st_mode):
        return "является символической ссылкой"
    if not stat.S_ISREG(st.st_mode):
        return "не является обычным файлом"
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EMLINK):
            return "является символической ссылкой"
        raise
    try:
        st = os.fstat(fd)
        why = _foreign(st, private) or (None if stat.S_ISREG(st.st_mode) else "не является обычным файлом")
        if why is not None:
            return why
        with os.fdopen(fd, "rb") as fh:
            fd = -1
            return fh.read()
    finally:
        if fd >= 0:
            os.close(fd)


def _secret(root: Path) -> bytes | None:
    """The key of the tags in ``root``, created (0600, ``O_CREAT | O_EXCL``) on first use."""
    path = root / KEY_FILE
    try:
        found = _read_regular(path, private=True)
        if found is None:
            _create_key(path)
            found = _read_regular(path, private=True)
    except OSError:
        return None
    if found is None:
        return None
    if isinstance(found, str):
        why = found
    elif len(found) != KEY_SIZE:
        why = f"имеет длину {len(found)} байт вместо {KEY_SIZE}"
    else:
        return found
    _warn(path, why, f"Кэш не используется: файл ключа «{path}» {why}. Значения вычисляются заново, "
                     f"без кэша; удалите этот файл и файлы кэша рядом с ним — ключ будет создан заново.")
    return None


def _create_key(path: Path) -> None:
    """Write a new random key to ``path`` unless another process has just done it.

    The key is written to a fresh private file first and then linked to its name, so that
    no process ever reads a half-written key; where hard links are not supported, the key
    file itself is created exclusively.
    """
    key = secrets.token_bytes(KEY_SIZE)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(tmp, flags, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(key)
        try:
            os.link(tmp, path)
        except FileExistsError:
            return
        except OSError:  # no hard links here
            with contextlib.suppress(FileExistsError):
                fd = os.open(path, flags, 0o600)
                with os.fdopen(fd, "wb") as fh:
                    fh.write(key)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


class Cache:
    """A checked cache folder and its key (see :func:`open_cache`).

    Attributes
    ----------
    root : pathlib.Path
        The cache folder (mode 0700, ours, not a link).
    key : bytes
        The secret key of the files' tags.
    """

    def __init__(self, root: Path, key: bytes):
        self.root = root
        self.key = key

    def folder(self, *parts: str) -> Path | None:
        """The subfolder ``root / parts``, each level created 0700 and checked; ``None`` when refused."""
        path = self.root
        for part in parts:
            path = _safe_folder(path / part, create=True)
            if path is None:
                return None
        return path

    def _signer(self, path: Path) -> "hmac.HMAC":
        # the file's name is signed too: a valid entry copied under another name is refused
        return hmac.new(self.key, MAGIC + path.name.encode() + b"\0", hashlib.sha256)

    def _tag(self, path: Path, payload: bytes | memoryview) -> bytes:
        signer = self._signer(path)
        signer.update(payload)  # fed, not joined: a pickle of 100 MiB is not copied to be signed
        return signer.digest()

    def load(self, path: Path) -> tuple[bool, Any, bool]:
        """``(found, value, writable)`` for the entry at ``path``.

        ``found`` is true, with the unpickled ``value``, only for an authentic entry. A
        refused or unauthentic entry is reported and, when it is ours (a file or a link: a
        link is removed, never followed), removed; ``writable`` is false when an entry of
        another user stays, which is then neither read nor replaced.
        """
        try:
            found = _read_regular(path)
        except OSError:
            return False, None, False
        if found is None:
            return False, None, True
        if isinstance(found, str):
            return False, None, self._reject(path, found)
        head = len(MAGIC) + _TAG_SIZE
        payload = memoryview(found)[head:]  # a view: the pickle is not copied to be checked and read
        if len(found) < head or found[:len(MAGIC)] != MAGIC or \
                not hmac.compare_digest(found[len(MAGIC):head], self._tag(path, payload)):
            return False, None, self._reject(path, "подпись не совпадает (файл повреждён, изменён или подложен)")
        try:
            return True, pickle.loads(payload), True  # authentic: written by us with this key
        except Exception:  # written by us with another pandas
            with contextlib.suppress(OSError):
                os.unlink(path)
            return False, None, True

    def _reject(self, path: Path, why: str) -> bool:
        """Report a refused entry and remove it when it is ours; whether it is gone."""
        _warn(path, why, f"Файл кэша «{path}» отклонён: {why}. Он не прочитан, значение вычислено заново.")
        try:
            st = os.lstat(path)
            getuid = getattr(os, "getuid", None)
            if _POSIX and getuid is not None and st.st_uid != getuid():
                return False
            os.unlink(path)  # unlink removes a link itself, not what it points to
        except FileNotFoundError:
            pass
        except OSError:
            return False
        return True

    def save(self, path: Path, value: Any) -> None:
        """Write ``value`` to ``path`` with its tag, atomically, mode 0600; any failure is skipped."""
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        except Exception:  # read-only folder
            return
        try:
            with os.fdopen(fd, "wb") as fh:
                # the pickle goes to the file as it is made, signed on the way, and the tag is written
                # into its place at the end: the whole pickle is never held in memory (the Altai
                # region's task analysis is about 100 MiB pickled)
                fh.write(MAGIC + bytes(_TAG_SIZE))
                signed = _SignedFile(fh, self._signer(path))
                pickle.dump(value, signed, protocol=pickle.HIGHEST_PROTOCOL)
                fh.seek(len(MAGIC))
                fh.write(signed.signer.digest())
            os.replace(tmp, path)  # replaces a link planted at path, never writes through it
        except Exception:  # unpicklable value, full disk
            with contextlib.suppress(OSError):
                os.unlink(tmp)

    def stored(self, path: Path, compute: Callable[[], Any], touch: Path | None = None) -> Any:
        """``compute()`` kept at ``path``: read when there and authentic, else computed and written.

        A file that cannot be read is computed again; a file that cannot be written
        (read-only home, full disk, unpicklable value) is skipped: the cache never breaks
        the computation. ``touch`` (default ``path``) gets its time renewed on every read,
        so that :func:`prune` keeps what is in use.
        """
        hit, value, writable = self.load(path)
        if hit:
            with contextlib.suppress(OSError):
                try:
                    os.utime(touch or path, follow_symlinks=False)
                except NotImplementedError:  # checked above: not a link
                    os.utime(touch or path)
            return value
        value = compute()
        if writable:
            self.save(path, value)
        return value


class _SignedFile:
    """A file to write a pickle to: each piece written is also fed to ``signer`` (an HMAC)."""

    def __init__(self, fh, signer):
        self.fh, self.signer = fh, signer

    def write(self, data) -> int:
        self.signer.update(data)
        return self.fh.write(data)


def open_cache() -> Cache | None:
    """The cache folder, checked (created 0700 when missing), with its key; ``None`` for no cache."""
    root = cache_dir()
    if root is None:
        return None
    if _safe_folder(root, create=True) is None:
        return None
    key = _secret(root)
    return None if key is None else Cache(root, key)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _results(region) -> tuple[Cache, Path] | None:
    key = getattr(region, "cache_key", None)
    cache = open_cache() if key else None
    if cache is None:
        return None
    parent = cache.folder("results")
    if parent is None:
        return None
    new = not os.path.lexists(parent / key)
    folder = cache.folder("results", key)
    if folder is None:
        return None
    if new:
        prune(parent)
    return cache, folder


def results_dir(region) -> Path | None:
    """The folder of memoised results of ``region``, or ``None`` when there is no cache."""
    found = _results(region)
    return None if found is None else found[1]


def prune(parent: Path, keep_days: float = KEEP_DAYS, pattern: str = "*") -> None:
    """Remove entries of ``parent`` matching ``pattern`` not touched for ``keep_days`` days.

    A folder goes with its files. Used for result folders and for the validated-region
    pickles, which pile up with every new version of the data or of the library. Symbolic
    links are never followed: an old link is removed itself, a folder's subfolders are kept.
    """
    limit = time.time() - keep_days * 86400
    for entry in parent.glob(pattern):
        try:
            st = os.lstat(entry)
            if st.st_mtime >= limit:
                continue
            if stat.S_ISDIR(st.st_mode):
                for file in entry.iterdir():
                    if not stat.S_ISDIR(os.lstat(file).st_mode):
                        file.unlink(missing_ok=True)
                entry.rmdir()
            else:
                entry.unlink(missing_ok=True)
        except OSError:  # another process is using or removing it
            continue


# --- values a batch worker's template prepared before forking the kernels -------------------------

#: Values kept by a worker's template (:func:`keep_prepared`), each handed out once in a forked kernel.
_PREPARED: dict[tuple, Any] = {}
_KEEPING = False


def keep_prepared(on: bool = True) -> None:
    """Keep every value :func:`prepared` computes in this process, for the processes forked from it.

    Only a batch worker's kernel template (:mod:`qualitylib.batch.warm`) turns this on: it reads
    the region and computes what every municipality's report shares once, and each notebook's
    kernel, forked from it, finds those values in its memory instead of reading the cache again.
    """
    global _KEEPING
    _KEEPING = bool(on)


def prepared(key: tuple, compute: Callable[[], Any]) -> Any:
    """``compute()``, or the value kept under ``key`` by the template this process was forked from.

    A kept value is handed out once: the first reader in a forked kernel takes the template's
    object (a copy-on-write page of the template's memory, so a change stays in this process),
    and a later reader in the same process computes it again, or reads the cache, as before.
    The promise of :func:`memoised` -- a caller that changes a result changes nothing shared --
    holds. ``key`` must name everything the value depends on (a file's size and modification
    time, the region's :attr:`cache_key`).
    """
    if _KEEPING:
        if key in _PREPARED:
            return _PREPARED[key]
        value = compute()
        _PREPARED[key] = value
        return value
    try:
        return _PREPARED.pop(key)
    except KeyError:
        return compute()


def discard_prepared(*kinds: str) -> None:
    """Drop the kept values whose key starts with one of ``kinds``: what only the template needed
    (an input of the results it kept), so that it does not hold them for the kernels."""
    for key in [k for k in _PREPARED if k and k[0] in kinds]:
        del _PREPARED[key]


def file_stamp(path: str | Path) -> tuple | None:
    """``(resolved path, size, modification time in ns)`` of a file, or ``None`` when it is missing."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return str(Path(path).resolve()), st.st_size, st.st_mtime_ns


def memoised(region, name: str, arguments: dict, compute: Callable[[], Any]) -> Any:
    """Return ``compute()``, read from the region's results cache when it was stored before.

    Parameters
    ----------
    region : qualitylib.data.region.Region
        The region the result is computed from (its ``cache_key`` names the data and code).
    name : str
        The result's kind, e.g. ``"identification"``.
    arguments : dict
        Everything else the result depends on (municipality, year, parameters, flags);
        JSON-serialisable, values without a JSON form are taken by ``str``.
    compute : callable
        Computes the result when it is not stored.
    """
    digest = hashlib.sha256(_canonical([name, arguments]).encode()).hexdigest()[:32]

    def from_cache():
        found = _results(region)
        if found is None:
            return compute()
        cache, folder = found
        return cache.stored(folder / f"{name}-{digest}.pkl", compute, touch=folder)

    key = getattr(region, "cache_key", None)
    return from_cache() if not key else prepared(("memo", key, name, digest), from_cache)
