"""Where the Keras-hosted datasets (CIFAR-10/100, IMDB, Reuters, Boston and California housing)
are found, and how their files are read safely.

Per file, in this order:

1. `$NERVE_DATASETS/<Keras's cache name>` when the variable is set (read in place, never
   written): for an archive dataset the extracted folder (`cifar-10-batches-py-target/`), the
   archive under Keras's cache name (`cifar-10-batches-py-target_archive`) or under its download
   name (`cifar-10-python.tar.gz`); for the others the file (`imdb.npz`, ...).
2. Keras's own cache, `~/.keras/datasets/` (or `$KERAS_HOME/datasets/`), with Keras's file names:
   what Keras downloaded is read here, and what is missing is downloaded there from Keras's URL
   (nerve.utils.get_file), so both libraries share one cache.

Every archive or file is checked against Keras's hash before it is read. Pickled content (CIFAR's
batches, IMDB's and Reuters's lists of word ids) is read with an unpickler that only rebuilds numpy
arrays, as Keras's: a file cannot make nerve run code.
"""

from __future__ import annotations

import io
import os
import pickle
import tarfile
import urllib.parse
import zipfile

import numpy as np

from ..utils import file_utils
from ._idx import ENV_VAR, ChecksumError, DatasetNotFoundError

_ALLOWED_PICKLE_GLOBALS = frozenset(
    {
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
    }
)


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickles numpy arrays and plain Python values only."""

    def find_class(self, module, name):
        if (module, name) in _ALLOWED_PICKLE_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(
            f"refusing to load {module}.{name} from a dataset file (only numpy arrays are "
            f"allowed); the file is corrupt or not the canonical one"
        )


def _verified(path: str, file_hash: str, dataset: str) -> str:
    if not file_utils.validate_file(path, file_hash):
        raise ChecksumError(
            f"{dataset}: {path} does not have Keras's hash {file_hash}; the file is corrupt or not "
            f"the canonical one: replace it with the file from Keras's URL"
        )
    return path


def locate(dataset: str, fname: str, origin: str, file_hash: str, extract: bool = False) -> str:
    """The dataset's file, or for an archive dataset its extracted folder or the archive itself
    (read_member reads either)."""
    url_name = os.path.basename(urllib.parse.urlsplit(origin).path)
    env = os.environ.get(ENV_VAR)
    if env:
        root = os.path.expanduser(env)
        names = [fname, fname + "_archive", url_name] if extract else [fname, url_name]
        for name in names:
            path = os.path.join(root, name)
            if extract and os.path.isdir(path):
                return path
            if os.path.isfile(path):
                return _verified(path, file_hash, dataset)
    target, folder = file_utils.cache_paths(fname, origin, extract)
    if folder is not None and os.path.isdir(folder) and os.listdir(folder):
        return folder  # Keras extracted it already
    try:
        return file_utils.get_file(fname, origin, file_hash=file_hash, extract=extract)
    except file_utils.DownloadError as e:
        hint = f"or put it (under the name {url_name} or {os.path.basename(target)}) "
        raise DatasetNotFoundError(
            f"{dataset}: the dataset is not in Keras's cache and the download failed.\n"
            f"  URL: {origin}\n"
            f"  Put the downloaded file at {target} (Keras's cache, shared with Keras),\n"
            f"  {hint}in a folder named by the environment variable {ENV_VAR}.\n"
            f"  ({e})"
        ) from e


def read_member(location: str, relpath: str) -> bytes:
    """The bytes of `relpath` inside an extracted folder or a tar archive."""
    if os.path.isdir(location):
        with open(os.path.join(location, relpath), "rb") as f:
            return f.read()
    with tarfile.open(location) as archive:
        try:
            member = archive.getmember(relpath)
        except KeyError:
            raise DatasetNotFoundError(
                f"{location} has no member {relpath!r}: it is not the dataset's archive"
            ) from None
        f = archive.extractfile(member)
        if f is None:
            raise DatasetNotFoundError(f"{location}: {relpath!r} is not a regular file")
        return f.read()


def unpickle(data: bytes, source: str):
    try:
        return RestrictedUnpickler(io.BytesIO(data), encoding="bytes").load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError) as e:
        raise ChecksumError(f"{source}: cannot read the pickled data ({e})") from e


def _npy_member(fp):
    try:
        return np.lib.format.read_array(fp, allow_pickle=False)
    except ValueError:  # an object array (lists of word ids): pickled
        fp.seek(0)
        version = np.lib.format.read_magic(fp)
        if version[0] == 1:
            np.lib.format.read_array_header_1_0(fp)
        elif version[0] in (2, 3):
            np.lib.format.read_array_header_2_0(fp)
        else:
            raise ValueError(f"unsupported .npy file version {version}") from None
        return RestrictedUnpickler(fp).load()


def load_npz(path: str) -> dict:
    """The arrays of an .npz file, object arrays unpickled with the restricted unpickler."""
    arrays = {}
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            if member.endswith(".npy"):
                with archive.open(member) as raw:
                    arrays[member[: -len(".npy")]] = _npy_member(io.BytesIO(raw.read()))
    return arrays
