"""The container: one zip file with stored (uncompressed) entries, JSON for structure and .npy
for arrays. Writes are atomic (temporary file in the same folder, fsync, rename), so a failed
save never damages an existing file. Reads check everything and turn any damage into a
ModelFileError; arrays are read with allow_pickle=False, so a file cannot run code."""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile

import numpy as np

from .._core import __version__
from ..errors import ModelFileError

FORMAT_VERSION = 1


def _json_default(o):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, tuple):
        return list(o)
    raise TypeError(f"{type(o).__name__} is not JSON-serialisable")


def json_bytes(obj) -> bytes:
    return json.dumps(obj, default=_json_default, indent=1).encode("utf-8")


def array_bytes(a) -> bytes:
    buf = io.BytesIO()
    a = np.asarray(a, dtype=np.float32)
    # ascontiguousarray would make a scalar weight (shape ()) one of shape (1,)
    np.save(buf, a if a.ndim == 0 else np.ascontiguousarray(a), allow_pickle=False)
    return buf.getvalue()


def write_atomic(path, entries, overwrite: bool = True) -> None:
    """Writes `entries` (an iterable of (name, bytes-producing callable)) into a zip at `path`.
    Entries are produced while the file is being written; if anything fails, the temporary file
    is removed and `path` is left as it was."""

    def write(f):
        with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED) as z:
            for name, produce in entries:
                z.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), produce())

    _write_atomic(path, write, overwrite)


def write_atomic_bytes(path, data: bytes, overwrite: bool = True) -> None:
    """Writes `data` to `path` as write_atomic does: a temporary file renamed over it."""
    _write_atomic(path, lambda f: f.write(data), overwrite)


def _write_atomic(path, write, overwrite: bool) -> None:
    path = os.fspath(path)
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"{path} exists and overwrite=False")
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the usual file mode
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:  # make the rename itself durable
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass


class Reader:
    """Checked access to a saved file's entries."""

    def __init__(self, path, kind: str):
        self.path = os.fspath(path)
        if not os.path.exists(self.path):
            raise FileNotFoundError(f"no such file: {self.path}")
        try:
            self._zip = zipfile.ZipFile(self.path, "r")
        # NotImplementedError: a zip header naming a version or feature zipfile lacks (fuzzing)
        except (
            zipfile.BadZipFile,
            zipfile.LargeZipFile,
            EOFError,
            ValueError,
            NotImplementedError,
        ) as e:
            raise ModelFileError(
                f"{self.path} is not a nerve file, or it is truncated or corrupt ({e})"
            ) from None
        try:
            self._check(kind)
        except BaseException:
            self._zip.close()
            raise

    def _check(self, kind: str) -> None:
        for info in self._zip.infolist():
            if info.compress_type != zipfile.ZIP_STORED:
                raise ModelFileError(
                    f"{self.path}: entry {info.filename!r} is compressed; nerve "
                    f"files store entries uncompressed (corrupt or foreign file)"
                )
            if info.flag_bits & 0x1:  # zipfile would ask for a password (found by fuzzing)
                raise ModelFileError(
                    f"{self.path}: entry {info.filename!r} is marked encrypted; nerve files are "
                    f"not (corrupt or foreign file)"
                )
        meta = self.json("metadata.json")
        if not isinstance(meta, dict) or meta.get("format") not in ("nerve.model", "nerve.weights"):
            raise ModelFileError(f"{self.path} is not a nerve file (metadata: {meta!r})")
        version = meta.get("format_version")
        if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
            saved_by = meta.get("nerve_version", "?")
            raise ModelFileError(
                f"{self.path} has format version {version}, written by nerve {saved_by}; this "
                f"nerve ({__version__}) reads versions 1 to {FORMAT_VERSION}: it needs a nerve "
                f"that reads format version {version} (nerve {saved_by} or newer)"
            )
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise ModelFileError(
                f"{self.path} is corrupt: metadata.json's format_version must be a positive "
                f"int, got {version!r}"
            )
        if kind == "nerve.model" and meta["format"] != kind:
            raise ModelFileError(
                f"{self.path} holds only weights (made by save_weights); load "
                f"it with model.load_weights, or save the whole model with "
                f"model.save"
            )
        self.metadata = meta

    def close(self) -> None:
        self._zip.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def has(self, name: str) -> bool:
        return name in self._zip.NameToInfo

    def raw(self, name: str) -> bytes:
        try:
            return self._zip.read(name)
        except KeyError:
            raise ModelFileError(f"{self.path} is incomplete: it has no entry {name!r}") from None
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as e:
            raise ModelFileError(
                f"{self.path} is corrupt: entry {name!r} cannot be read ({e})"
            ) from None

    def json(self, name: str):
        try:
            return json.loads(self.raw(name).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise ModelFileError(
                f"{self.path} is corrupt: {name!r} is not valid JSON ({e})"
            ) from None

    def array(self, name: str, shape=None) -> np.ndarray:
        try:
            a = np.load(io.BytesIO(self.raw(name)), allow_pickle=False)
        except ModelFileError:
            raise
        except (ValueError, OSError, EOFError) as e:
            raise ModelFileError(
                f"{self.path} is corrupt: array {name!r} cannot be read ({e})"
            ) from None
        if not isinstance(a, np.ndarray) or a.dtype != np.float32:
            raise ModelFileError(f"{self.path}: array {name!r} is not float32")
        if shape is not None and tuple(a.shape) != tuple(shape):
            raise ModelFileError(
                f"{self.path}: array {name!r} has shape {a.shape}, the file's "
                f"manifest says {tuple(shape)}"
            )
        return a


def metadata(kind: str) -> dict:
    return {"format": kind, "format_version": FORMAT_VERSION, "nerve_version": __version__}
