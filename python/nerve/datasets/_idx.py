"""Shared logic for the IDX-format datasets (MNIST, Fashion-MNIST).

Everything here is pure Python + numpy: it never imports the compiled engine.

Where files are looked for, per file, in this order (see :func:`load_idx_dataset`):

1. ``path`` given to ``load_data(path=...)``: that folder holds the four ``.gz``
   files directly; missing ones are downloaded into it. Nothing else is consulted.
2. ``$NERVE_DATASETS/<name>/<file>`` when the environment variable is set
   (``<name>`` is ``mnist`` or ``fashion-mnist``). A verified file there is read
   in place, never copied; the folder may be read-only.
3. The user cache ``~/.nerve/datasets/<name>/<file>``; missing files are
   downloaded there (to a temporary file, verified, then renamed atomically).

Every file is checked against its hard-coded SHA-256 before it is parsed.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import socket
import struct
import tempfile
import urllib.error
import urllib.request
import zlib
from collections.abc import Iterable, Sequence

import numpy as np

ENV_VAR = "NERVE_DATASETS"

TRAIN_IMAGES = "train-images-idx3-ubyte.gz"
TRAIN_LABELS = "train-labels-idx1-ubyte.gz"
TEST_IMAGES = "t10k-images-idx3-ubyte.gz"
TEST_LABELS = "t10k-labels-idx1-ubyte.gz"
FILES = (TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)

IMAGES_MAGIC = 2051  # 0x00000803: unsigned byte, 3 dimensions
LABELS_MAGIC = 2049  # 0x00000801: unsigned byte, 1 dimension

_DOWNLOAD_TIMEOUT_S = 30.0
_CHUNK = 1 << 20


class DatasetError(RuntimeError):
    """Base class of the dataset errors."""


class DatasetNotFoundError(DatasetError, FileNotFoundError):
    """Dataset files are missing and could not be downloaded."""


class ChecksumError(DatasetError, ValueError):
    """A dataset file's SHA-256 does not match the expected value."""


class IDXFormatError(DatasetError, ValueError):
    """A file is not a valid IDX file of the expected kind (corrupt or truncated)."""


# --------------------------------------------------------------------------- parsing


def parse_idx(
    data: bytes, expected_magic: int, source: str = "<bytes>", expected_count: int | None = None
) -> np.ndarray:
    """Parse uncompressed IDX bytes (uint8 payload) into a writable numpy array.

    ``expected_magic`` is 2051 for images (result shape ``(count, rows, cols)``)
    or 2049 for labels (shape ``(count,)``). The header and the exact payload size
    are validated; any mismatch raises :class:`IDXFormatError` naming ``source``.
    """
    if expected_magic not in (IMAGES_MAGIC, LABELS_MAGIC):
        raise ValueError(f"unsupported IDX magic number {expected_magic}")
    ndim = expected_magic & 0xFF
    header_len = 4 + 4 * ndim
    kind = "images" if expected_magic == IMAGES_MAGIC else "labels"
    if len(data) >= 4:
        magic = struct.unpack_from(">I", data, 0)[0]
        if magic != expected_magic:
            raise IDXFormatError(
                f"{source}: bad IDX magic number {magic} (expected {expected_magic} "
                f"for {kind}); the file is corrupt or not an IDX {kind} file"
            )
    if len(data) < header_len:
        raise IDXFormatError(
            f"{source}: truncated IDX {kind} file: {len(data)} bytes, shorter than "
            f"its {header_len}-byte header"
        )
    dims = struct.unpack_from(">" + "I" * ndim, data, 4)
    if expected_count is not None and dims[0] != expected_count:
        raise IDXFormatError(
            f"{source}: IDX header says {dims[0]} {kind}, expected {expected_count}"
        )
    payload = 1
    for d in dims:
        payload *= d
    if len(data) != header_len + payload:
        what = "truncated" if len(data) < header_len + payload else "has trailing data"
        raise IDXFormatError(
            f"{source}: IDX {kind} file is {what}: header {tuple(dims)} needs "
            f"{header_len + payload} bytes, file has {len(data)}"
        )
    arr = np.frombuffer(data, dtype=np.uint8, count=payload, offset=header_len)
    # np.frombuffer over bytes is read-only; Keras hands out ordinary arrays.
    return arr.reshape(dims).copy()


def read_idx_gz(
    data: bytes, expected_magic: int, source: str, expected_count: int | None = None
) -> np.ndarray:
    """Decompress gzip bytes and parse them as IDX; errors name ``source``."""
    try:
        raw = gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as e:
        raise IDXFormatError(
            f"{source}: cannot decompress gzip data ({e}); the file is corrupt or truncated"
        ) from e
    return parse_idx(raw, expected_magic, source, expected_count)


# --------------------------------------------------------------------------- files


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def user_cache_dir(name: str) -> str:
    """``~/.nerve/datasets/<name>`` (expanded at call time)."""
    return os.path.join(os.path.expanduser("~"), ".nerve", "datasets", name)


def _fetch_url(url: str, dest_file, timeout: float = _DOWNLOAD_TIMEOUT_S) -> None:
    """Stream ``url`` into the open binary file ``dest_file``.

    Kept as a separate module-level function so tests can replace it.
    """
    req = urllib.request.Request(url, headers={"User-Agent": "nerve-datasets/1"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        while True:
            chunk = resp.read(_CHUNK)
            if not chunk:
                break
            dest_file.write(chunk)


def download_file(
    filename: str,
    mirrors: Sequence[str],
    dest_dir: str,
    sha256: str,
    unreachable: set | None = None,
) -> str:
    """Download ``filename`` from the first working mirror into ``dest_dir``.

    The data goes to a temporary file in ``dest_dir``; it is renamed onto the
    final name (``os.replace``, atomic) only after its checksum is verified.
    Returns the final path. Raises :class:`DatasetNotFoundError` when no mirror
    delivers a verified file; the message lists each mirror's failure.

    ``unreachable``: an optional set of mirror base URLs; mirrors in it are
    skipped, and mirrors that fail with a network error are added to it (so an
    offline machine waits for each mirror's timeout once, not once per file).
    """
    os.makedirs(dest_dir, exist_ok=True)
    final = os.path.join(dest_dir, filename)
    failures: list[str] = []
    for base in mirrors:
        url = base.rstrip("/") + "/" + filename
        if unreachable is not None and base in unreachable:
            failures.append(f"{url}: skipped (the mirror failed earlier)")
            continue
        fd, tmp = tempfile.mkstemp(prefix="." + filename + ".", suffix=".part", dir=dest_dir)
        try:
            with os.fdopen(fd, "wb") as f:
                _fetch_url(url, f)
            with open(tmp, "rb") as f:
                got = sha256_bytes(f.read())
            if got != sha256:
                failures.append(f"{url}: checksum mismatch (got sha256 {got}, expected {sha256})")
                continue
            os.replace(tmp, final)
            tmp = None
            return final
        except (urllib.error.URLError, socket.timeout, TimeoutError, OSError, ValueError) as e:
            failures.append(f"{url}: {e}")
            if unreachable is not None and not isinstance(e, urllib.error.HTTPError):
                unreachable.add(base)
        finally:
            if tmp is not None and os.path.exists(tmp):
                try:
                    os.remove(tmp)
                except OSError:
                    pass
    raise DatasetNotFoundError("download failed:\n    " + "\n    ".join(failures))


def _not_found_message(
    dataset: str,
    name: str,
    missing: Iterable[str],
    target_dir: str,
    path_given: bool,
    failures: dict[str, str],
) -> str:
    missing = list(missing)
    lines = [
        f"{dataset}: {len(missing)} dataset file(s) missing and the download failed (offline?).",
        f"Put these files (canonical IDX .gz files) into {target_dir}:",
    ]
    lines += [f"    {m}" for m in missing]
    if not path_given:
        lines.append(
            f"or set the environment variable {ENV_VAR} to a folder that holds a "
            f"'{name}/' sub-folder with the four files "
            f"({', '.join(FILES)})."
        )
    if failures:
        lines.append("Download errors:")
        for fn, msg in failures.items():
            lines.append(f"  {fn}: {msg}")
    return "\n".join(lines)


def _read_verified(filepath: str, sha256: str, in_user_cache: bool) -> bytes:
    with open(filepath, "rb") as f:
        data = f.read()
    got = sha256_bytes(data)
    if got != sha256:
        advice = (
            "delete it so that it is downloaded again"
            if in_user_cache
            else "replace it with the canonical file"
        )
        raise ChecksumError(
            f"{filepath}: SHA-256 checksum mismatch (got {got}, expected {sha256}); "
            f"the file is corrupt or not the canonical one: {advice}."
        )
    return data


def locate_files(
    dataset: str,
    name: str,
    checksums: dict[str, str],
    mirrors: Sequence[str],
    path: str | None = None,
) -> dict[str, bytes]:
    """Return ``{filename: verified gz bytes}`` for the four files of a dataset."""
    if path is not None:
        path = os.path.expanduser(os.fspath(path))
        if os.path.isfile(path):
            raise ValueError(
                f"{dataset}: path={path!r} is a file; nerve reads the IDX .gz files, "
                f"so path must be a folder that holds {', '.join(FILES)}"
            )
        search = [path]
        download_dir = search[0]
        # An explicit folder is the user's: say "put files here" for it, and
        # "delete to re-download" since missing files are downloaded into it.
        cache_dirs = {download_dir}
    else:
        search = []
        env = os.environ.get(ENV_VAR)
        if env:
            search.append(os.path.join(os.path.expanduser(env), name))
        download_dir = user_cache_dir(name)
        search.append(download_dir)
        cache_dirs = {download_dir}

    found: dict[str, tuple[str, str]] = {}  # filename -> (path, dir)
    missing: list[str] = []
    for fn in FILES:
        for d in search:
            p = os.path.join(d, fn)
            if os.path.isfile(p):
                found[fn] = (p, d)
                break
        else:
            missing.append(fn)

    failures: dict[str, str] = {}
    unreachable: set = set()
    for fn in missing:
        try:
            p = download_file(fn, mirrors, download_dir, checksums[fn], unreachable)
            found[fn] = (p, download_dir)
        except DatasetNotFoundError as e:
            failures[fn] = str(e)
        except OSError as e:  # e.g. cannot create the cache folder
            failures[fn] = f"{type(e).__name__}: {e}"
    if failures:
        raise DatasetNotFoundError(
            _not_found_message(
                dataset, name, failures.keys(), download_dir, path is not None, failures
            )
        )

    return {fn: _read_verified(p, checksums[fn], d in cache_dirs) for fn, (p, d) in found.items()}


def load_idx_dataset(
    dataset: str,
    name: str,
    checksums: dict[str, str],
    mirrors: Sequence[str],
    path: str | None = None,
):
    """Load the four files and return ``(x_train, y_train), (x_test, y_test)``."""
    blobs = locate_files(dataset, name, checksums, mirrors, path)

    def read(fn, magic, count):
        return read_idx_gz(blobs[fn], magic, f"{dataset} {fn}", count)

    x_train = read(TRAIN_IMAGES, IMAGES_MAGIC, 60000)
    y_train = read(TRAIN_LABELS, LABELS_MAGIC, 60000)
    x_test = read(TEST_IMAGES, IMAGES_MAGIC, 10000)
    y_test = read(TEST_LABELS, LABELS_MAGIC, 10000)
    for x, fn in ((x_train, TRAIN_IMAGES), (x_test, TEST_IMAGES)):
        if x.shape[1:] != (28, 28):
            raise IDXFormatError(
                f"{dataset} {fn}: images are {x.shape[1]}x{x.shape[2]}, expected 28x28"
            )
    return (x_train, y_train), (x_test, y_test)
