"""get_file: keras.utils.get_file's download cache, with Keras's file layout, so nerve and Keras
share ~/.keras/datasets (or $KERAS_HOME/datasets): a file either of them downloaded is found by
the other.

Layout (Keras 3's rules): a plain file is `<cache_dir>/<cache_subdir>/<fname>`; with extract=True
and an fname without a dot, the archive is `<fname>_archive` and its contents go to the folder
`<fname>` (an fname with a dot: the archive keeps the name, the folder is `<stem>_extracted`).
A found file whose hash does not match is downloaded again, as Keras does. What differs: the
download goes to a temporary file renamed into place once complete and verified, an archive is
extracted only when its folder is missing (Keras extracts on every call), members that would land
outside the folder (absolute paths, "..", links out) are refused, and a failed download raises
an error that names the URL and the file to put in the cache by hand.
"""

from __future__ import annotations

import hashlib
import os
import pathlib
import shutil
import socket
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile

_CHUNK = 1 << 20
_DOWNLOAD_TIMEOUT_S = 30.0


class DownloadError(OSError):
    """A file is not in the cache and could not be downloaded."""


def keras_home() -> str:
    """$KERAS_HOME, else ~/.keras: where Keras keeps its cache."""
    return os.path.expanduser(os.environ.get("KERAS_HOME") or os.path.join("~", ".keras"))


def _hasher(algorithm: str, file_hash: str | None = None):
    if algorithm == "auto":
        algorithm = "sha256" if file_hash is None or len(str(file_hash)) == 64 else "md5"
    if algorithm not in ("sha256", "md5"):
        raise ValueError(
            f"get_file: hash_algorithm must be 'auto', 'sha256' or 'md5', got {algorithm!r}"
        )
    return hashlib.new(algorithm)


def hash_file(fpath, algorithm="sha256", chunk_size=65535) -> str:
    """The file's hex digest (sha256 or md5), as keras.utils's hash_file."""
    hasher = _hasher(algorithm) if isinstance(algorithm, str) else algorithm
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath, file_hash, algorithm="auto", chunk_size=65535) -> bool:
    """True when the file's hash is `file_hash` ("auto": sha256 for a 64-character hash, else
    md5)."""
    return hash_file(fpath, _hasher(algorithm, file_hash), chunk_size) == str(file_hash)


def _fetch_url(url: str, dest_file, timeout: float = _DOWNLOAD_TIMEOUT_S) -> None:
    """Streams `url` into the open binary file `dest_file` (a module function tests replace)."""
    req = urllib.request.Request(url, headers={"User-Agent": "nerve-get-file/1"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        while True:
            chunk = resp.read(_CHUNK)
            if not chunk:
                break
            dest_file.write(chunk)


def _inside(base: str, name: str) -> bool:
    target = os.path.realpath(os.path.join(base, name))
    return os.path.commonpath([target, base]) == base


def extract_archive(file_path, path=".", archive_format="auto") -> bool:
    """Extracts a tar (any compression) or zip archive into `path`; True when the file was one of
    the formats asked for. Members that would land outside `path` are refused (ValueError)."""
    if archive_format is None:
        return False
    formats = ["tar", "zip"] if archive_format == "auto" else archive_format
    formats = [formats] if isinstance(formats, str) else list(formats)
    file_path, path = os.fspath(file_path), os.fspath(path)
    base = os.path.realpath(path)
    for kind in formats:
        if kind == "tar" and tarfile.is_tarfile(file_path):
            with tarfile.open(file_path) as archive:
                for m in archive.getmembers():
                    bad_link = (m.issym() or m.islnk()) and not _inside(
                        base, os.path.join(os.path.dirname(m.name), m.linkname)
                    )
                    if not _inside(base, m.name) or bad_link or m.isdev():
                        raise ValueError(
                            f"extract_archive: {file_path} has a member {m.name!r} that would "
                            f"be written outside {path}; refusing to extract it"
                        )
                archive.extractall(path)
            return True
        if kind == "zip" and zipfile.is_zipfile(file_path):
            with zipfile.ZipFile(file_path) as archive:
                for name in archive.namelist():
                    if not _inside(base, name):
                        raise ValueError(
                            f"extract_archive: {file_path} has a member {name!r} that would be "
                            f"written outside {path}; refusing to extract it"
                        )
                archive.extractall(path)
            return True
        if kind not in ("tar", "zip"):
            raise NotImplementedError(f"extract_archive: unknown archive format {kind!r}")
    return False


def _download(origin: str, target: str, file_hash, hash_algorithm) -> None:
    folder = os.path.dirname(target)
    fd, tmp = tempfile.mkstemp(
        prefix="." + os.path.basename(target) + ".", suffix=".part", dir=folder
    )
    try:
        try:
            with os.fdopen(fd, "wb") as f:
                _fetch_url(origin, f)
        except (urllib.error.URLError, socket.timeout, TimeoutError, OSError, ValueError) as e:
            raise DownloadError(
                f"get_file: could not download {origin} ({e}). Offline? Download it elsewhere "
                f"and put it at {target}"
            ) from e
        if file_hash is not None and not validate_file(tmp, file_hash, hash_algorithm):
            raise DownloadError(
                f"get_file: the file downloaded from {origin} does not have the expected hash "
                f"{file_hash} (incomplete or corrupted download)"
            )
        os.replace(tmp, target)
        tmp = None
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.remove(tmp)


def cache_paths(fname, origin, extract, cache_subdir="datasets", cache_dir=None):
    """(download target, extraction folder or None) of keras.utils.get_file's layout."""
    base = os.path.expanduser(cache_dir or keras_home())
    try:
        os.makedirs(base, exist_ok=True)
    except OSError:
        pass
    if not os.access(base, os.W_OK):  # Keras's fallback for a read-only home
        base = os.path.join("/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir(), ".keras")
    datadir = os.path.join(base, cache_subdir)
    provided = fname
    fname = os.fspath(fname) if fname is not None else ""
    if not fname:
        fname = os.path.basename(urllib.parse.urlsplit(origin).path)
        if not fname:
            raise ValueError(
                f"get_file: cannot take a file name from origin {origin!r}; give fname"
            )
    elif os.sep in fname:
        raise ValueError(
            f"get_file: fname must be a file name, not a path (use cache_dir for its folder); "
            f"got {fname!r}"
        )
    if not extract:
        return os.path.join(datadir, fname), None
    if provided and "." in fname:
        return os.path.join(datadir, fname), os.path.join(
            datadir, fname[: fname.find(".")] + "_extracted"
        )
    return os.path.join(datadir, fname + "_archive"), os.path.join(datadir, fname)


def get_file(
    fname=None,
    origin=None,
    untar=False,
    md5_hash=None,
    file_hash=None,
    cache_subdir="datasets",
    hash_algorithm="auto",
    extract=False,
    archive_format="auto",
    cache_dir=None,
    force_download=False,
):
    """Downloads `origin` into Keras's cache unless it is already there (with the right hash) and
    returns its path, or with extract / untar the folder the archive was extracted into, as
    keras.utils.get_file. Raises DownloadError naming the URL and the path to put the file at
    when the download fails."""
    if origin is None:
        raise ValueError('get_file: give the "origin" argument (the URL of the file to download)')
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    extract = extract or untar
    if isinstance(fname, pathlib.PurePath):
        fname = str(fname)
    target, folder = cache_paths(fname, origin, extract, cache_subdir, cache_dir)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    download = force_download or not os.path.exists(target)
    if (
        not download
        and file_hash is not None
        and not validate_file(target, file_hash, hash_algorithm)
    ):
        print(
            f"A local file was found, but it seems to be incomplete or outdated because the "
            f"file hash does not match the original value of {file_hash} so we will "
            f"re-download the data."
        )
        download = True
    if download:
        print(f"Downloading data from {origin}")
        _download(origin, target, file_hash, hash_algorithm)
        if folder is not None and os.path.isdir(folder):
            shutil.rmtree(folder)  # a new archive: extract it afresh
    if folder is None:
        return target
    if not os.path.isdir(folder) or not os.listdir(folder):
        parent = os.path.dirname(folder)
        tmp_folder = tempfile.mkdtemp(prefix="." + os.path.basename(folder) + ".", dir=parent)
        try:
            ok = extract_archive(target, tmp_folder, "tar" if untar else archive_format)
            if not ok:
                raise ValueError(
                    f"get_file: {target} is not a tar or zip archive; cannot extract it"
                )
            if os.path.isdir(folder):
                os.rmdir(folder)
            os.replace(tmp_folder, folder)
        finally:
            if os.path.isdir(tmp_folder):
                shutil.rmtree(tmp_folder)
    return folder
