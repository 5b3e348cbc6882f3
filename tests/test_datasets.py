"""Tests of nerve.datasets (MNIST / Fashion-MNIST IDX loaders). No test uses the network."""

import gzip
import os
import shutil
import struct
import urllib.error
from pathlib import Path

import numpy as np
import pytest

import nerve.datasets._idx as idx
from nerve.datasets import ChecksumError, DatasetNotFoundError, IDXFormatError, fashion_mnist, mnist

_REPO = Path(__file__).resolve().parents[1]


def _shared_datasets_dir():
    env = os.environ.get("NERVE_DATASETS")
    for cand in ([Path(env)] if env else []) + [_REPO.parent / "shared" / "datasets"]:
        if cand.is_dir():
            return cand
    return None


SHARED = _shared_datasets_dir()


def _offline_fetch(url, dest_file, timeout=None):
    raise urllib.error.URLError(f"network disabled in tests ({url})")


@pytest.fixture(autouse=True)
def _no_network(monkeypatch, tmp_path):
    """No test may touch the network or the real user cache."""
    monkeypatch.setattr(idx, "_fetch_url", _offline_fetch)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("USERPROFILE", str(tmp_path / "home"))


def _need_shared(name):
    if SHARED is None:
        pytest.skip(
            "NERVE_DATASETS is unset (or not a folder) and ../shared/datasets "
            "does not exist: no dataset files to test against"
        )
    d = SHARED / name
    if not all((d / fn).is_file() for fn in idx.FILES):
        pytest.skip(f"{d} does not hold the four IDX .gz files")
    return d


@pytest.fixture(scope="module")
def mnist_data():
    _need_shared("mnist")
    mp = pytest.MonkeyPatch()
    mp.setattr(idx, "_fetch_url", _offline_fetch)
    mp.setenv("NERVE_DATASETS", str(SHARED))
    try:
        return mnist.load_data()
    finally:
        mp.undo()


@pytest.fixture(scope="module")
def fashion_data():
    _need_shared("fashion-mnist")
    mp = pytest.MonkeyPatch()
    mp.setattr(idx, "_fetch_url", _offline_fetch)
    mp.setenv("NERVE_DATASETS", str(SHARED))
    try:
        return fashion_mnist.load_data()
    finally:
        mp.undo()


def _check_shapes(data):
    (x_train, y_train), (x_test, y_test) = data
    assert x_train.shape == (60000, 28, 28)
    assert y_train.shape == (60000,)
    assert x_test.shape == (10000, 28, 28)
    assert y_test.shape == (10000,)
    for a in (x_train, y_train, x_test, y_test):
        assert isinstance(a, np.ndarray)
        assert a.dtype == np.uint8
        assert a.flags.writeable


def test_mnist_shapes_dtypes(mnist_data):
    _check_shapes(mnist_data)


def test_mnist_label_histograms(mnist_data):
    (_, y_train), (_, y_test) = mnist_data
    assert np.bincount(y_train, minlength=10).tolist() == [
        5923,
        6742,
        5958,
        6131,
        5842,
        5421,
        5918,
        6265,
        5851,
        5949,
    ]
    assert np.bincount(y_test, minlength=10).tolist() == [
        980,
        1135,
        1032,
        1010,
        982,
        892,
        958,
        1028,
        974,
        1009,
    ]


def test_mnist_pixels(mnist_data):
    (x_train, _), (x_test, _) = mnist_data
    assert x_train.mean() == pytest.approx(33.3184, abs=5e-5)
    assert x_test.mean() == pytest.approx(33.7912, abs=5e-5)
    assert x_train.min() == 0 and x_train.max() == 255


def test_fashion_shapes_dtypes(fashion_data):
    _check_shapes(fashion_data)


def test_fashion_label_histograms(fashion_data):
    (_, y_train), (_, y_test) = fashion_data
    assert np.bincount(y_train, minlength=10).tolist() == [6000] * 10
    assert np.bincount(y_test, minlength=10).tolist() == [1000] * 10


def test_fashion_pixels(fashion_data):
    (x_train, _), (x_test, _) = fashion_data
    assert x_train.mean() == pytest.approx(72.9404, abs=5e-5)
    assert x_test.mean() == pytest.approx(73.1466, abs=5e-5)
    assert len(fashion_mnist.CLASS_NAMES) == 10


def test_env_dir_used_in_place(monkeypatch, tmp_path):
    """A verified file in $NERVE_DATASETS is read in place: nothing is copied to the cache."""
    _need_shared("mnist")
    monkeypatch.setenv("NERVE_DATASETS", str(SHARED))
    mnist.load_data()
    assert not (tmp_path / "home" / ".nerve").exists()


def test_path_argument(tmp_path):
    src = _need_shared("mnist")
    d = tmp_path / "mine"
    shutil.copytree(src, d)
    (x_train, y_train), (x_test, y_test) = mnist.load_data(path=str(d))
    assert x_train.shape == (60000, 28, 28) and y_test.shape == (10000,)
    (x2, _), _ = mnist.load_data(path=d)  # a Path works too
    assert np.array_equal(x_train, x2)


def test_path_that_is_a_file_is_rejected(tmp_path):
    f = tmp_path / "mnist.npz"
    f.write_bytes(b"")
    with pytest.raises(ValueError, match="folder"):
        mnist.load_data(path=f)


def test_corrupted_file_gives_checksum_error(monkeypatch, tmp_path):
    src = _need_shared("mnist")
    root = tmp_path / "datasets"
    shutil.copytree(src, root / "mnist")
    bad = root / "mnist" / "t10k-labels-idx1-ubyte.gz"
    data = bytearray(bad.read_bytes())
    data[len(data) // 2] ^= 0x01
    bad.write_bytes(bytes(data))
    monkeypatch.setenv("NERVE_DATASETS", str(root))
    with pytest.raises(ChecksumError) as ei:
        mnist.load_data()
    msg = str(ei.value)
    assert "t10k-labels-idx1-ubyte.gz" in msg
    assert "checksum" in msg.lower()


def test_corrupted_cache_file_says_delete(monkeypatch, tmp_path):
    src = _need_shared("mnist")
    cache = tmp_path / "home" / ".nerve" / "datasets" / "mnist"
    shutil.copytree(src, cache)
    bad = cache / "train-labels-idx1-ubyte.gz"
    data = bytearray(bad.read_bytes())
    data[100] ^= 0xFF
    bad.write_bytes(bytes(data))
    monkeypatch.delenv("NERVE_DATASETS", raising=False)
    with pytest.raises(ChecksumError, match="delete it"):
        mnist.load_data()


def test_missing_files_offline_error(monkeypatch, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("NERVE_DATASETS", str(empty))
    with pytest.raises(DatasetNotFoundError) as ei:
        fashion_mnist.load_data()
    msg = str(ei.value)
    assert isinstance(ei.value, FileNotFoundError)
    assert "NERVE_DATASETS" in msg
    for fn in idx.FILES:
        assert fn in msg
    assert os.path.join(".nerve", "datasets", "fashion-mnist") in msg
    # no temporary download files left behind
    cache = tmp_path / "home" / ".nerve" / "datasets" / "fashion-mnist"
    assert not cache.exists() or list(cache.iterdir()) == []


def test_missing_file_in_path_offline_error(tmp_path):
    src = _need_shared("mnist")
    d = tmp_path / "partial"
    shutil.copytree(src, d)
    (d / "train-images-idx3-ubyte.gz").unlink()
    with pytest.raises(DatasetNotFoundError) as ei:
        mnist.load_data(path=d)
    msg = str(ei.value)
    assert "train-images-idx3-ubyte.gz" in msg
    assert str(d) in msg
    assert "t10k-images-idx3-ubyte.gz" not in msg.split("Download errors")[0]


def test_download_verifies_and_renames_atomically(monkeypatch, tmp_path):
    """A fake mirror: a bad download is rejected, a good one lands under the final name."""
    src = _need_shared("mnist")
    good = (src / "t10k-labels-idx1-ubyte.gz").read_bytes()
    calls = []

    def fake_fetch(url, dest_file, timeout=None):
        calls.append(url)
        dest_file.write(b"garbage" if "bad-mirror" in url else good)

    monkeypatch.setattr(idx, "_fetch_url", fake_fetch)
    dest = tmp_path / "dl"
    p = idx.download_file(
        "t10k-labels-idx1-ubyte.gz",
        ["http://bad-mirror/", "http://good-mirror/x/"],
        str(dest),
        mnist.SHA256["t10k-labels-idx1-ubyte.gz"],
    )
    assert calls == [
        "http://bad-mirror/t10k-labels-idx1-ubyte.gz",
        "http://good-mirror/x/t10k-labels-idx1-ubyte.gz",
    ]
    assert Path(p).read_bytes() == good
    assert sorted(os.listdir(dest)) == ["t10k-labels-idx1-ubyte.gz"]

    with pytest.raises(DatasetNotFoundError, match="checksum mismatch"):
        idx.download_file(
            "t10k-labels-idx1-ubyte.gz",
            ["http://bad-mirror/"],
            str(tmp_path / "dl2"),
            mnist.SHA256["t10k-labels-idx1-ubyte.gz"],
        )
    assert os.listdir(tmp_path / "dl2") == []


def test_missing_files_downloaded_into_cache(monkeypatch, tmp_path):
    src = _need_shared("mnist")

    def fake_fetch(url, dest_file, timeout=None):
        dest_file.write((src / url.rsplit("/", 1)[1]).read_bytes())

    monkeypatch.setattr(idx, "_fetch_url", fake_fetch)
    monkeypatch.delenv("NERVE_DATASETS", raising=False)
    (x_train, _), _ = mnist.load_data()
    assert x_train.shape == (60000, 28, 28)
    cache = tmp_path / "home" / ".nerve" / "datasets" / "mnist"
    assert sorted(os.listdir(cache)) == sorted(idx.FILES)


# ----------------------------------------------------------------- parser


def _idx_images(n, rows=2, cols=3):
    return struct.pack(">IIII", 2051, n, rows, cols) + bytes(
        i % 256 for i in range(n * rows * cols)
    )


def test_parse_idx_valid():
    a = idx.parse_idx(_idx_images(2), 2051, "x")
    assert a.shape == (2, 2, 3) and a.dtype == np.uint8
    assert a.ravel().tolist() == list(range(12))
    lab = idx.parse_idx(struct.pack(">II", 2049, 3) + b"\x01\x02\x09", 2049, "y")
    assert lab.tolist() == [1, 2, 9] and lab.shape == (3,)


def test_parse_idx_truncated_payload():
    data = _idx_images(2)[:-1]
    with pytest.raises(IDXFormatError, match=r"train-images.*truncated"):
        idx.parse_idx(data, 2051, "train-images-idx3-ubyte.gz")


def test_parse_idx_truncated_header():
    with pytest.raises(IDXFormatError, match=r"some-file.*truncated"):
        idx.parse_idx(b"\x00\x00\x08", 2051, "some-file")


def test_parse_idx_trailing_data():
    with pytest.raises(IDXFormatError, match="trailing"):
        idx.parse_idx(_idx_images(2) + b"\x00", 2051, "f")


def test_parse_idx_bad_magic():
    data = struct.pack(">II", 2049, 3) + b"\x01\x02\x03"
    with pytest.raises(IDXFormatError, match=r"labels-file.*magic"):
        idx.parse_idx(data, 2051, "labels-file")


def test_parse_idx_wrong_count():
    with pytest.raises(IDXFormatError, match="expected 60000"):
        idx.parse_idx(_idx_images(2), 2051, "f", expected_count=60000)


def test_truncated_gzip_gives_clear_error():
    gz = gzip.compress(_idx_images(50))
    with pytest.raises(IDXFormatError, match=r"my-file\.gz.*(corrupt|truncated)"):
        idx.read_idx_gz(gz[: len(gz) // 2], 2051, "my-file.gz")


def test_truncated_real_file_checksum_bypassed(monkeypatch, tmp_path):
    """A truncated IDX file that passes the (patched) checksum still fails clearly."""
    src = _need_shared("mnist")
    raw = gzip.decompress((src / "t10k-labels-idx1-ubyte.gz").read_bytes())
    d = tmp_path / "trunc"
    shutil.copytree(src, d)
    (d / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(raw[:-10]))
    monkeypatch.setattr(idx, "_read_verified", lambda p, sha, in_cache: Path(p).read_bytes())
    with pytest.raises(IDXFormatError, match=r"t10k-labels-idx1-ubyte\.gz.*truncated"):
        mnist.load_data(path=d)


def test_unreachable_mirror_tried_once(monkeypatch, tmp_path):
    """Offline: each mirror is tried once per load, not once per file."""
    calls = []

    def fake_fetch(url, dest_file, timeout=None):
        calls.append(url)
        raise urllib.error.URLError("offline")

    monkeypatch.setattr(idx, "_fetch_url", fake_fetch)
    monkeypatch.delenv("NERVE_DATASETS", raising=False)
    with pytest.raises(DatasetNotFoundError):
        mnist.load_data()
    assert len(calls) == len(mnist.MIRRORS)
