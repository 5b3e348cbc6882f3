"""Keras's data utilities in nerve.utils (image / text datasets from folders, image file helpers,
timeseries windows, split_dataset, normalize, object (de)serialization) and the dataset loaders
of nerve.datasets, checked against Keras's own rules: Keras's pure-Python file indexing and
splitting, keras.ops.image.resize (JAX), and numpy references written from Keras's sources."""

import os

import numpy as np
import pytest

import nerve
from nerve import layers as L
from nerve.utils.dataset import Dataset

PIL = pytest.importorskip("PIL.Image")

CLASSES = ("cat", "dog", "emu")
COUNTS = (5, 7, 4)  # images per class


def _write_image_tree(root, rng, sizes=((12, 9), (7, 15), (10, 10))):
    """root/<class>/img_<i>.png (plus a text file, which the image reader skips);
    returns {path: uint8 array} of what was written."""
    written = {}
    for c, (name, count) in enumerate(zip(CLASSES, COUNTS)):
        folder = root / name
        folder.mkdir(parents=True)
        for i in range(count):
            h, w = sizes[(i + c) % len(sizes)]
            pixels = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
            path = folder / f"img_{i:02d}.png"
            PIL.fromarray(pixels, "RGB").save(path)
            written[str(path)] = pixels
        (folder / "notes.txt").write_text("not an image")
    return written


@pytest.fixture
def image_tree(tmp_path):
    return tmp_path, _write_image_tree(tmp_path, np.random.default_rng(0))


def _keras_dataset_utils():
    os.environ.setdefault("KERAS_BACKEND", "jax")
    pytest.importorskip("keras")
    from keras.src.utils import dataset_utils

    return dataset_utils


def _all(ds):
    xs, ys = zip(*ds)
    return np.concatenate(xs), np.concatenate(ys)


# ---- image_dataset_from_directory ----------------------------------------------------------


@pytest.mark.parametrize("shuffle", [False, True])
def test_image_files_labels_and_order_match_keras(image_tree, shuffle):
    du = _keras_dataset_utils()
    root, _ = image_tree
    (root / ".hidden").mkdir()  # Keras skips hidden class folders
    PIL.fromarray(np.zeros((4, 4, 3), np.uint8)).save(root / ".hidden" / "x.png")
    formats = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
    want_paths, want_labels, want_names = du.index_directory(
        str(root), "inferred", formats=formats, shuffle=shuffle, seed=7, verbose=False
    )
    ds = nerve.utils.image_dataset_from_directory(
        root, image_size=(6, 5), shuffle=shuffle, seed=7, verbose=False, batch_size=4
    )
    assert ds.class_names == list(want_names) == list(CLASSES)
    assert ds.file_paths == list(want_paths)
    assert len(ds) == 4  # 16 images in batches of 4
    if not shuffle:  # no shuffle: the batches follow file_paths
        _, y = _all(ds)
        np.testing.assert_array_equal(y, want_labels)
        assert y.dtype == np.int32


@pytest.mark.parametrize("subset", ["training", "validation"])
def test_validation_split_takes_the_same_files_as_keras(image_tree, subset):
    du = _keras_dataset_utils()
    root, _ = image_tree
    paths, labels, _ = du.index_directory(
        str(root), "inferred", formats=(".png",), shuffle=True, seed=3, verbose=False
    )
    want, want_labels = du.get_training_or_validation_split(paths, labels, 0.25, subset)
    ds = nerve.utils.image_dataset_from_directory(
        root, image_size=(4, 4), seed=3, validation_split=0.25, subset=subset, verbose=False
    )
    assert ds.file_paths == list(want)
    by_path = dict(zip(paths, labels))
    assert sorted(int(by_path[p]) for p in ds.file_paths) == sorted(int(v) for v in want_labels)


def test_subset_both_partitions_the_files(image_tree):
    root, written = image_tree
    train, val = nerve.utils.image_dataset_from_directory(
        root, image_size=(4, 4), seed=1, validation_split=0.3, subset="both", verbose=False
    )
    assert len(val.file_paths) == int(0.3 * 16)
    assert sorted(train.file_paths + val.file_paths) == sorted(written)
    assert not set(train.file_paths) & set(val.file_paths)
    assert train.class_names == val.class_names == list(CLASSES)


def test_pixels_are_keras_bilinear_resize(image_tree):
    pytest.importorskip("keras")
    import keras

    root, written = image_tree
    ds = nerve.utils.image_dataset_from_directory(
        root, image_size=(8, 6), shuffle=False, batch_size=None, verbose=False
    )
    for path, (x, y) in zip(ds.file_paths, ds):
        want = keras.ops.image.resize(written[path].astype(np.float32), (8, 6))
        assert x.dtype == np.float32 and x.shape == (8, 6, 3)
        np.testing.assert_allclose(x, np.asarray(want), atol=2e-4)
        assert int(y) == CLASSES.index(os.path.basename(os.path.dirname(path)))


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_crop_to_aspect_ratio_is_keras_crop_then_resize(image_tree, interpolation):
    pytest.importorskip("keras")
    import keras

    root, written = image_tree
    ds = nerve.utils.image_dataset_from_directory(
        root,
        image_size=(5, 9),
        shuffle=False,
        crop_to_aspect_ratio=True,
        interpolation=interpolation,
        label_mode=None,
        batch_size=16,
        verbose=False,
    )
    (x,) = list(ds)
    for got, path in zip(x, ds.file_paths):
        want = keras.ops.image.resize(
            written[path].astype(np.float32),
            (5, 9),
            interpolation=interpolation,
            crop_to_aspect_ratio=True,
        )
        np.testing.assert_allclose(got, np.asarray(want), atol=2e-4)


def test_label_modes_color_modes_and_explicit_labels(image_tree):
    root, written = image_tree
    kw = dict(image_size=(3, 3), shuffle=False, verbose=False, batch_size=16)
    _, y = _all(nerve.utils.image_dataset_from_directory(root, label_mode="categorical", **kw))
    assert y.shape == (16, 3) and y.dtype == np.float32
    np.testing.assert_array_equal(y.sum(1), 1)
    np.testing.assert_array_equal(y.argmax(1), np.repeat([0, 1, 2], COUNTS))
    two = nerve.utils.image_dataset_from_directory(
        root, label_mode="binary", class_names=["emu", "cat"], **kw
    )
    assert two.class_names == ["emu", "cat"]
    _, y = _all(two)
    assert y.shape == (9, 1)
    np.testing.assert_array_equal(y[:, 0], [0] * 4 + [1] * 5)
    (x,) = list(
        nerve.utils.image_dataset_from_directory(root, labels=None, color_mode="grayscale", **kw)
    )
    assert x.shape == (16, 3, 3, 1)
    rgba = nerve.utils.image_dataset_from_directory(root, color_mode="rgba", **kw)
    assert next(iter(rgba))[0].shape == (16, 3, 3, 4)
    mine = list(range(16))[::-1]
    ds = nerve.utils.image_dataset_from_directory(root, labels=mine, **kw)
    assert ds.class_names == [str(i) for i in range(16)]
    np.testing.assert_array_equal(_all(ds)[1], mine)


def test_image_dataset_bad_arguments_name_the_problem(image_tree):
    root, _ = image_tree
    f = nerve.utils.image_dataset_from_directory
    with pytest.raises(ValueError, match="seed"):
        f(root, validation_split=0.2, subset="training", verbose=False)
    with pytest.raises(ValueError, match="label_mode"):
        f(root, label_mode="sparse", verbose=False)
    with pytest.raises(ValueError, match="exactly 2 classes"):
        f(root, label_mode="binary", verbose=False)
    with pytest.raises(ValueError, match="class_names"):
        f(root, class_names=["cat", "cow"], verbose=False)
    with pytest.raises(ValueError, match="not supported by nerve"):
        f(root, interpolation="bicubic", verbose=False)
    with pytest.raises(ValueError, match="pad_to_aspect_ratio"):
        f(root, pad_to_aspect_ratio=True, verbose=False)
    with pytest.raises(ValueError, match="list/tuple of integer labels"):
        f(root, labels=np.zeros(16, int), verbose=False)
    with pytest.raises(ValueError, match="16 files"):
        f(root, labels=[0, 1], verbose=False)
    with pytest.raises(ValueError, match="does not exist"):
        f(root / "nope", verbose=False)
    (root / "cat" / "broken.png").write_bytes(b"not a png")
    ds = f(root, shuffle=False, batch_size=None, verbose=False)
    with pytest.raises(ValueError, match="broken.png"):
        list(ds)


def test_fit_reads_the_image_dataset(image_tree):
    root, _ = image_tree
    nerve.utils.set_random_seed(0)
    train, val = nerve.utils.image_dataset_from_directory(
        root,
        image_size=(8, 8),
        batch_size=4,
        seed=5,
        validation_split=0.25,
        subset="both",
        verbose=False,
    )
    model = nerve.Sequential(
        [
            nerve.Input((8, 8, 3)),
            L.Rescaling(1 / 255),
            L.Flatten(),
            L.Dense(len(train.class_names), activation="softmax"),
        ]
    )
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(train.cache().prefetch(2), validation_data=val, epochs=3, verbose=0)
    assert len(history.history["loss"]) == 3 and "val_accuracy" in history.history
    assert np.isfinite(history.history["loss"]).all()
    assert model.predict(val, verbose=0).shape == (4, 3)
    x, y = next(iter(val))
    whole = model.evaluate(val, verbose=0)[0]
    np.testing.assert_allclose(whole, model.evaluate(x, y, verbose=0)[0], rtol=1e-5)


def test_shuffled_dataset_reorders_each_pass_but_keeps_its_samples(image_tree):
    root, _ = image_tree
    ds = nerve.utils.image_dataset_from_directory(
        root, image_size=(2, 2), batch_size=16, seed=4, verbose=False
    )
    (x1, y1), (x2, y2) = next(iter(ds)), next(iter(ds))
    assert not np.array_equal(x1, x2)  # a new order each epoch, as tf.data's reshuffle
    key = lambda x: sorted(map(bytes, x.reshape(16, -1)))  # noqa: E731
    assert key(x1) == key(x2) and sorted(y1) == sorted(y2)


# ---- Dataset methods -----------------------------------------------------------------------


def _numbers(n=10, batch=4):
    x = np.arange(n, dtype=np.float32)
    return nerve.utils.dataset.from_arrays((x, x * 2), batch, lambda: np.arange(n))


def test_dataset_methods():
    ds = _numbers()
    assert len(ds) == 3 and len(ds.take(2)) == 2 and len(ds.skip(1)) == 2
    assert [len(b[0]) for b in ds] == [4, 4, 2]
    flat = list(ds.unbatch())
    assert [float(a) for a, _ in flat] == list(range(10))
    rebatched = ds.unbatch().batch(3, drop_remainder=True)
    assert [b[0].tolist() for b in rebatched] == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    doubled = ds.map(lambda a, b: (a + 1, b))
    assert next(iter(doubled))[0].tolist() == [1, 2, 3, 4]
    assert [float(a) for a, _ in ds.unbatch().filter(lambda a, b: a % 3 == 0)] == [0, 3, 6, 9]
    shuffled = ds.unbatch().shuffle(4, seed=0)
    order1 = [float(a) for a, _ in shuffled]
    order2 = [float(a) for a, _ in shuffled]
    assert sorted(order1) == list(range(10)) and order1 != order2
    fixed = ds.unbatch().shuffle(10, seed=0, reshuffle_each_iteration=False)
    assert [float(a) for a, _ in fixed] == [float(a) for a, _ in fixed]
    assert len(ds.repeat(2)) == 6 and ds.prefetch(1) is ds
    with pytest.raises(TypeError, match="length is unknown"):
        len(ds.unbatch())
    with pytest.raises(NotImplementedError, match="in memory only"):
        ds.cache("file")


def test_cache_reads_the_source_once():
    reads = []

    def make_pass():
        reads.append(1)
        yield np.ones(2)

    cached = Dataset(make_pass, 1).cache()
    assert [list(a) for a in cached] == [list(a) for a in cached] == [[1.0, 1.0]]
    assert len(reads) == 1


# ---- image file helpers ----------------------------------------------------------------------


def test_load_save_and_convert_images(tmp_path):
    rng = np.random.default_rng(1)
    pixels = rng.integers(0, 256, (6, 8, 3)).astype(np.float32)
    path = tmp_path / "a.png"
    nerve.utils.save_img(path, pixels, scale=False)
    img = nerve.utils.load_img(path)
    assert img.size == (8, 6) and img.mode == "RGB"
    np.testing.assert_array_equal(nerve.utils.img_to_array(img), pixels)
    grey = nerve.utils.img_to_array(nerve.utils.load_img(path, color_mode="grayscale"))
    assert grey.shape == (6, 8, 1) and grey.dtype == np.float32
    small = nerve.utils.load_img(path, target_size=(3, 4), interpolation="bilinear")
    assert small.size == (4, 3)
    cropped = nerve.utils.load_img(path, target_size=(4, 4), keep_aspect_ratio=True)
    assert cropped.size == (4, 4)
    scaled = nerve.utils.img_to_array(nerve.utils.array_to_img(pixels / 7 - 3))
    assert scaled.min() == 0 and scaled.max() == 255
    assert nerve.utils.img_to_array(img, data_format="channels_first").shape == (3, 6, 8)
    with pytest.raises(ValueError, match="rank 3"):
        nerve.utils.array_to_img(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="interpolation"):
        nerve.utils.load_img(path, target_size=(3, 3), interpolation="cubic")


def test_image_helpers_match_keras(tmp_path):
    pytest.importorskip("keras")
    import keras

    rng = np.random.default_rng(2)
    pixels = rng.integers(0, 256, (9, 7, 3)).astype(np.uint8)
    path = str(tmp_path / "b.png")
    PIL.fromarray(pixels).save(path)
    for kw in (
        {},
        {"color_mode": "grayscale", "target_size": (4, 5), "interpolation": "bilinear"},
        {"color_mode": "rgba", "target_size": (5, 5), "keep_aspect_ratio": True},
    ):
        want = keras.utils.img_to_array(keras.utils.load_img(path, **kw))
        got = nerve.utils.img_to_array(nerve.utils.load_img(path, **kw))
        np.testing.assert_array_equal(got, want)
    x = rng.normal(size=(5, 4, 1)).astype(np.float32)
    np.testing.assert_array_equal(
        np.asarray(nerve.utils.array_to_img(x)), np.asarray(keras.utils.array_to_img(x))
    )


# ---- text_dataset_from_directory -------------------------------------------------------------


def test_text_dataset_matches_keras_files_and_reads_texts(tmp_path):
    du = _keras_dataset_utils()
    texts = {}
    for name in ("neg", "pos"):
        (tmp_path / name).mkdir()
        for i in range(6):
            p = tmp_path / name / f"{i}.txt"
            p.write_text(f"{name} review number {i} é")
            texts[str(p)] = f"{name} review number {i} é"
    want_paths, _, _ = du.index_directory(
        str(tmp_path), "inferred", formats=(".txt",), shuffle=True, seed=9, verbose=False
    )
    want_train, _ = du.get_training_or_validation_split(want_paths, None, 0.5, "training")
    train = nerve.utils.text_dataset_from_directory(
        tmp_path,
        seed=9,
        validation_split=0.5,
        subset="training",
        batch_size=2,
        verbose=False,
        max_length=10,
        shuffle=True,
    )
    assert train.file_paths == list(want_train) and train.class_names == ["neg", "pos"]
    ds = nerve.utils.text_dataset_from_directory(
        tmp_path, shuffle=False, batch_size=12, label_mode="binary", verbose=False
    )
    x, y = next(iter(ds))
    assert x.tolist() == [texts[p] for p in ds.file_paths]
    np.testing.assert_array_equal(y[:, 0], [0] * 6 + [1] * 6)
    short = next(iter(train))[0]
    assert all(len(t) == 10 for t in short)


def test_text_tutorial_pipeline_trains(tmp_path):
    """Keras's text-classification tutorial, on nerve: dataset from folders, adapt
    TextVectorization on the texts, map the vectorization over the dataset, fit."""
    rng = np.random.default_rng(5)
    words = {"neg": ["bad", "awful", "dull"], "pos": ["good", "great", "fun"]}
    for name, vocab in words.items():
        (tmp_path / name).mkdir()
        for i in range(12):
            text = " ".join(rng.choice(vocab + ["the", "movie"], 6))
            (tmp_path / name / f"{i}.txt").write_text(text)
    train, val = nerve.utils.text_dataset_from_directory(
        tmp_path, batch_size=8, validation_split=0.25, subset="both", seed=2, verbose=False
    )
    vectorize = L.TextVectorization(max_tokens=20, output_sequence_length=6)
    vectorize.adapt(train.map(lambda text, label: text))
    train_ids = train.map(lambda text, label: (vectorize(text), label)).cache()
    val_ids = val.map(lambda text, label: (vectorize(text), label), Dataset.AUTOTUNE)
    nerve.utils.set_random_seed(0)
    model = nerve.Sequential(
        [nerve.Input((6,)), L.Embedding(20, 8), L.GlobalAveragePooling1D(), L.Dense(1, "sigmoid")]
    )
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    history = model.fit(train_ids, validation_data=val_ids, epochs=2, verbose=0)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}


# ---- timeseries_dataset_from_array -----------------------------------------------------------


def _keras_windows(data, targets, length, stride, rate, start, end):
    """Keras's window rule, written from its numpy ("grain") path."""
    start = start or 0
    end = len(data) if end is None else end
    num = end - start - (length - 1) * rate
    if targets is not None:
        num = min(num, len(targets))
    part = data[start:end]
    windows, ys = [], []
    for pos in range(0, num, stride):
        windows.append(part[np.arange(pos, pos + length * rate, rate)])
        if targets is not None:
            ys.append(targets[start:][pos])
    return np.array(windows), (np.array(ys) if targets is not None else None)


@pytest.mark.parametrize(
    "length,stride,rate,start,end,batch",
    [
        (5, 1, 1, None, None, 7),
        (4, 3, 2, 3, 40, 4),
        (1, 2, 5, 10, None, None),
        (6, 5, 1, 0, 30, 128),
    ],
)
def test_timeseries_windows_are_keras_windows(length, stride, rate, start, end, batch):
    rng = np.random.default_rng(0)
    data = rng.normal(size=(50, 3))
    targets = rng.integers(0, 9, 45 if start is None or start < 5 else 50)
    want_x, want_y = _keras_windows(data, targets, length, stride, rate, start, end)
    ds = nerve.utils.timeseries_dataset_from_array(
        data, targets, length, stride, rate, batch, start_index=start, end_index=end
    )
    if batch is None:
        got = list(ds)
        got_x, got_y = np.stack([x for x, _ in got]), np.array([y for _, y in got])
    else:
        got_x, got_y = _all(ds)
        assert len(ds) == -(-len(want_x) // batch)
    np.testing.assert_array_equal(got_x, want_x)
    np.testing.assert_array_equal(got_y, want_y)
    assert got_x.dtype == data.dtype


def test_timeseries_without_targets_and_shuffled():
    data = np.arange(100, dtype=np.float32)[:, None]
    (x,) = list(nerve.utils.timeseries_dataset_from_array(data, None, 10, batch_size=200))
    assert x.shape == (91, 10, 1) and x[3, :, 0].tolist() == list(range(3, 13))
    ds = nerve.utils.timeseries_dataset_from_array(
        data, np.arange(100), 10, batch_size=200, shuffle=True, seed=1
    )
    (x1, y1), (x2, _) = next(iter(ds)), next(iter(ds))
    np.testing.assert_array_equal(x1[:, 0, 0], y1)  # each window keeps its own target
    assert sorted(y1.tolist()) == list(range(91)) and not np.array_equal(x1, x2)


def test_timeseries_bad_arguments():
    data = np.zeros(10)
    f = nerve.utils.timeseries_dataset_from_array
    with pytest.raises(ValueError, match="start_index"):
        f(data, None, 3, start_index=10)
    with pytest.raises(ValueError, match="end_index must be higher than start_index"):
        f(data, None, 3, start_index=5, end_index=4)
    with pytest.raises(ValueError, match="sampling_rate"):
        f(data, None, 3, sampling_rate=0)
    with pytest.raises(ValueError, match="sequence_stride"):
        f(data, None, 3, sequence_stride=10)
    with pytest.raises(ValueError, match="needs targets"):  # Keras fails on reading it
        f(data, np.zeros(8), 1, start_index=4)


def test_fit_on_timeseries_windows():
    nerve.utils.set_random_seed(0)
    series = np.sin(np.arange(300) / 5).astype(np.float32)[:, None]
    ds = nerve.utils.timeseries_dataset_from_array(
        series[:-8], series[8:, 0], sequence_length=8, batch_size=32
    )
    model = nerve.Sequential([nerve.Input((8, 1)), L.Flatten(), L.Dense(1)])
    model.compile("adam", "mse")
    history = model.fit(ds, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    assert model.predict(ds, verbose=0).shape == (len(series) - 8 - 7, 1)


# ---- split_dataset, normalize, custom objects, (de)serialization ----------------------------


def test_split_dataset_follows_keras_sizes_and_shuffle():
    import random

    x = np.arange(20).reshape(10, 2)
    y = np.arange(10)
    left, right = nerve.utils.split_dataset((x, y), left_size=0.7)
    assert len(left) == 7 and len(right) == 3
    np.testing.assert_array_equal(np.stack([a for _, a in right]), [7, 8, 9])
    left, right = nerve.utils.split_dataset(y, right_size=4, shuffle=True, seed=3)
    want = list(y)
    random.Random(3).shuffle(want)  # Keras: random.seed(seed); random.shuffle(samples)
    assert [int(v) for v in left] == want[:6] and [int(v) for v in right] == want[-4:]
    ds = nerve.utils.timeseries_dataset_from_array(np.arange(30), None, 3, batch_size=4)
    a, b = nerve.utils.split_dataset(ds, left_size=20)
    assert [len(v) for v in a] == [4, 4, 4, 4, 4] and sum(len(v) for v in b) == 8
    with pytest.raises(ValueError, match="left_size"):
        nerve.utils.split_dataset(y, left_size=10)
    with pytest.raises(ValueError, match="left_size or right_size"):
        nerve.utils.split_dataset(y)
    with pytest.raises(TypeError, match="left_size"):
        nerve.utils.split_dataset(y, left_size="half")


def test_normalize_matches_keras():
    keras = pytest.importorskip("keras")
    x = np.random.default_rng(0).normal(size=(4, 5, 3))
    x[1] = 0
    for axis, order in ((-1, 2), (1, 1), (-1, np.inf)):
        np.testing.assert_allclose(
            nerve.utils.normalize(x, axis, order), keras.utils.normalize(x, axis, order)
        )
    # axis=0: Keras's numpy branch fails to broadcast; nerve normalizes along axis 0
    norms = np.sqrt((x**2).sum(0, keepdims=True))
    np.testing.assert_allclose(nerve.utils.normalize(x, 0), x / np.where(norms == 0, 1, norms))
    v = np.array([3.0, 4.0])
    np.testing.assert_array_equal(nerve.utils.normalize(v), keras.utils.normalize(v))  # (1, 2)
    m = x[0]
    np.testing.assert_allclose(nerve.utils.normalize(m, None), keras.utils.normalize(m, None))


def test_custom_objects_and_serialization_round_trip():
    class Scale(L.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    config = nerve.utils.serialize_keras_object(Scale(3.0, name="s"))
    assert config["class_name"] == "Scale" and config["config"]["factor"] == 3.0
    with pytest.raises(ValueError, match="unknown class"):
        nerve.utils.deserialize_keras_object(config)
    with nerve.utils.CustomObjectScope({"Scale": Scale}):
        assert nerve.utils.deserialize_keras_object(config).factor == 3.0
    nerve.utils.get_custom_objects()["Scale"] = Scale
    try:
        assert nerve.utils.deserialize_keras_object(config).name == "s"
    finally:
        del nerve.utils.get_custom_objects()["Scale"]
    dense = L.Dense(4, activation="relu", kernel_regularizer=nerve.regularizers.L2(0.1))
    back = nerve.utils.deserialize_keras_object(nerve.utils.serialize_keras_object(dense))
    assert type(back) is L.Dense and back.get_config() == dense.get_config()
    arr = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_array_equal(
        nerve.utils.deserialize_keras_object(nerve.utils.serialize_keras_object(arr)), arr
    )
    assert nerve.utils.deserialize_keras_object("relu") is nerve.activations.relu


def test_serialization_reads_and_writes_keras_dicts():
    keras = pytest.importorskip("keras")
    for make_keras, make_nerve in (
        (lambda: keras.layers.Dense(3, activation="tanh"), lambda: L.Dense(3, activation="tanh")),
        (lambda: keras.optimizers.Adam(0.01), lambda: nerve.optimizers.Adam(0.01)),
        (lambda: keras.losses.Huber(0.5), lambda: nerve.losses.Huber(0.5)),
    ):
        kd = keras.saving.serialize_keras_object(make_keras())
        nd = nerve.utils.serialize_keras_object(make_nerve())
        assert (nd["module"], nd["class_name"]) == (kd["module"], kd["class_name"])
        assert type(nerve.utils.deserialize_keras_object(kd)) is type(make_nerve())
        assert type(keras.saving.deserialize_keras_object(nd)) is type(make_keras())
    fn = keras.saving.serialize_keras_object(keras.losses.mean_squared_error)
    assert nerve.utils.deserialize_keras_object(fn) is nerve.losses.mean_squared_error


# ---- nerve.datasets: Keras's files, synthesised --------------------------------------------


@pytest.fixture
def caches(tmp_path, monkeypatch):
    """An empty Keras cache ($KERAS_HOME) and an empty $NERVE_DATASETS; no network."""
    from nerve.utils import file_utils

    home, shared = tmp_path / "keras_home", tmp_path / "shared"
    home.mkdir()
    shared.mkdir()
    monkeypatch.setenv("KERAS_HOME", str(home))
    monkeypatch.setenv("NERVE_DATASETS", str(shared))

    def offline(url, dest_file, timeout=None):
        raise OSError("network is unreachable (test)")

    monkeypatch.setattr(file_utils, "_fetch_url", offline)
    return home / "datasets", shared


def _sha256(path):
    from nerve.utils.file_utils import hash_file

    return hash_file(path)


def _cifar_archive(path, top, batches, label_keys, rng):
    """A tar.gz in CIFAR's python format; returns {batch name: (data, {key: labels})}."""
    import io
    import pickle
    import tarfile

    content = {}
    with tarfile.open(path, "w:gz") as tar:
        for name, n in batches.items():
            data = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
            labels = {k: rng.integers(0, hi, n).tolist() for k, hi in label_keys.items()}
            payload = pickle.dumps({b"data": data, **{k.encode(): v for k, v in labels.items()}})
            info = tarfile.TarInfo(f"{top}/{name}")
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
            content[name] = (data, labels)
    return content


def _as_images(data):
    return data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)


def test_cifar10_from_nerve_datasets_and_from_keras_cache(caches, monkeypatch):
    from nerve.datasets import cifar10

    cache, shared = caches
    rng = np.random.default_rng(0)
    names = {f"data_batch_{i}": 3 for i in range(1, 6)} | {"test_batch": 2}
    archive = shared / "cifar-10-python.tar.gz"  # the download's own name, in NERVE_DATASETS
    content = _cifar_archive(archive, "cifar-10-batches-py", names, {"labels": 10}, rng)
    monkeypatch.setattr(cifar10, "FILE_HASH", _sha256(archive))
    (x, y), (xt, yt) = cifar10.load_data()
    assert x.shape == (15, 32, 32, 3) and y.shape == (15, 1) and x.dtype == y.dtype == np.uint8
    want = np.concatenate([_as_images(content[f"data_batch_{i}"][0]) for i in range(1, 6)])
    np.testing.assert_array_equal(x, want)
    np.testing.assert_array_equal(yt[:, 0], content["test_batch"][1]["labels"])
    np.testing.assert_array_equal(xt, _as_images(content["test_batch"][0]))
    # the same archive in Keras's cache, under Keras's name: extracted there as Keras lays it out
    monkeypatch.delenv("NERVE_DATASETS")
    cache.mkdir()
    archive.rename(cache / "cifar-10-batches-py-target_archive")
    (x2, _), _ = cifar10.load_data()
    np.testing.assert_array_equal(x2, x)
    assert (cache / "cifar-10-batches-py-target" / "cifar-10-batches-py" / "test_batch").is_file()


def test_cifar_loaders_match_keras_readers(caches, monkeypatch):
    keras = pytest.importorskip("keras")  # noqa: F841
    from keras.src.datasets import cifar10 as kc10
    from keras.src.datasets import cifar100 as kc100

    from nerve.datasets import cifar10, cifar100
    from nerve.utils import file_utils

    cache, _ = caches
    rng = np.random.default_rng(1)
    cache.mkdir()
    a10 = cache / "cifar-10-batches-py-target_archive"
    names = {f"data_batch_{i}": 2 for i in range(1, 6)} | {"test_batch": 3}
    _cifar_archive(a10, "cifar-10-batches-py", names, {"labels": 10}, rng)
    a100 = cache / "cifar-100-python-target_archive"
    keys = {"fine_labels": 100, "coarse_labels": 20}
    _cifar_archive(a100, "cifar-100-python", {"train": 4, "test": 2}, keys, rng)
    monkeypatch.setattr(cifar10, "FILE_HASH", _sha256(a10))
    monkeypatch.setattr(cifar100, "FILE_HASH", _sha256(a100))
    ours10 = cifar10.load_data()
    ours100 = cifar100.load_data("coarse")
    # Keras's cifar10 loader fills fixed 50000-image arrays: compare with its batch reader
    folder = cache / "cifar-10-batches-py-target" / "cifar-10-batches-py"
    (x, y), (xt, yt) = ours10
    kx, ky = zip(*(kc10.load_batch(str(folder / f"data_batch_{i}")) for i in range(1, 6)))
    np.testing.assert_array_equal(x, np.concatenate(kx).transpose(0, 2, 3, 1))
    np.testing.assert_array_equal(y[:, 0], np.concatenate(ky))
    kxt, kyt = kc10.load_batch(str(folder / "test_batch"))
    np.testing.assert_array_equal(xt, kxt.transpose(0, 2, 3, 1))
    np.testing.assert_array_equal(yt[:, 0], kyt)
    monkeypatch.setattr(kc100, "get_file", lambda *a, **k: str(cache / "cifar-100-python-target"))
    for (o1, o2), (t1, t2) in zip(ours100, kc100.load_data("coarse")):
        np.testing.assert_array_equal(o1, t1)
        np.testing.assert_array_equal(o2, t2)
        assert (o1.dtype, o2.dtype, o2.shape) == (t1.dtype, t2.dtype, t2.shape)
    with pytest.raises(ValueError, match="label_mode"):
        cifar100.load_data("medium")
    assert file_utils.keras_home().endswith("keras_home")


def _word_npz(path, rng, keys):
    def seqs(n):
        out = np.empty(n, dtype=object)
        out[:] = [rng.integers(0, 60, rng.integers(3, 25)).tolist() for _ in range(n)]
        return out

    arrays = {}
    for key, n in keys.items():
        arrays[key] = seqs(n) if key.startswith("x") else rng.integers(0, 4, n)
    np.savez(path, **arrays)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"num_words": 20, "skip_top": 3, "maxlen": 15},
        {"start_char": None, "oov_char": None},
        {"index_from": 0, "start_char": None, "seed": 5},
    ],
)
def test_imdb_and_reuters_match_keras(caches, monkeypatch, kwargs):
    pytest.importorskip("keras")
    from keras.src.datasets import imdb as kimdb
    from keras.src.datasets import reuters as kreuters

    from nerve.datasets import imdb, reuters

    _, shared = caches
    rng = np.random.default_rng(2)
    _word_npz(shared / "imdb.npz", rng, {"x_train": 30, "y_train": 30, "x_test": 20, "y_test": 20})
    _word_npz(shared / "reuters.npz", rng, {"x": 40, "y": 40})
    monkeypatch.setattr(imdb, "FILE_HASH", _sha256(shared / "imdb.npz"))
    monkeypatch.setattr(reuters, "FILE_HASH", _sha256(shared / "reuters.npz"))
    monkeypatch.setattr(kimdb, "get_file", lambda *a, **k: str(shared / "imdb.npz"))
    monkeypatch.setattr(kreuters, "get_file", lambda *a, **k: str(shared / "reuters.npz"))
    for ours, theirs in (
        (imdb.load_data(**kwargs), kimdb.load_data(**kwargs)),
        (reuters.load_data(test_split=0.3, **kwargs), kreuters.load_data(test_split=0.3, **kwargs)),
    ):
        for (ox, oy), (tx, ty) in zip(ours, theirs):
            assert ox.dtype == object and len(ox) == len(tx)
            assert [list(s) for s in ox] == [list(s) for s in tx]
            np.testing.assert_array_equal(oy, ty)
    with pytest.raises(TypeError, match="nb_words"):
        imdb.load_data(nb_words=10)
    assert reuters.get_label_names()[3] == "earn"


def test_word_index_and_a_malicious_pickle_is_refused(caches, monkeypatch):
    import json
    import pickle

    from nerve.datasets import DatasetError, imdb

    _, shared = caches
    (shared / "imdb_word_index.json").write_text(json.dumps({"the": 1, "movie": 17}))
    monkeypatch.setattr(imdb, "WORD_INDEX_HASH", _sha256(shared / "imdb_word_index.json"))
    assert imdb.get_word_index() == {"the": 1, "movie": 17}

    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    bad = np.empty(1, dtype=object)
    bad[0] = Evil()
    np.savez(shared / "imdb.npz", x_train=bad, y_train=np.zeros(1), x_test=bad, y_test=np.zeros(1))
    monkeypatch.setattr(imdb, "FILE_HASH", _sha256(shared / "imdb.npz"))
    with pytest.raises((pickle.UnpicklingError, DatasetError), match="refusing"):
        imdb.load_data()


@pytest.mark.parametrize("name", ["boston_housing", "california_housing"])
def test_housing_loaders_match_keras(caches, monkeypatch, name):
    pytest.importorskip("keras")
    import importlib

    kmod = importlib.import_module(f"keras.src.datasets.{name}")
    ours = getattr(nerve.datasets, name)
    _, shared = caches
    rng = np.random.default_rng(3)
    np.savez(shared / f"{name}.npz", x=rng.normal(size=(700, 8)), y=rng.normal(size=700))
    monkeypatch.setattr(ours, "FILE_HASH", _sha256(shared / f"{name}.npz"))
    monkeypatch.setattr(kmod, "get_file", lambda *a, **k: str(shared / f"{name}.npz"))
    extra = [{"version": "small"}] if name == "california_housing" else []
    for kw in [{}, {"test_split": 0.35, "seed": 4}] + extra:
        for (a, b), (c, d) in zip(ours.load_data(**kw), kmod.load_data(**kw)):
            np.testing.assert_array_equal(a, c)
            np.testing.assert_array_equal(b, d)
    with pytest.raises(ValueError, match="test_split"):
        ours.load_data(test_split=1.0)


def test_missing_dataset_names_the_url_and_the_cache_path(caches):
    from nerve.datasets import DatasetNotFoundError, boston_housing

    cache, _ = caches
    with pytest.raises(DatasetNotFoundError) as e:
        boston_housing.load_data()
    message = str(e.value)
    assert boston_housing.ORIGIN in message and str(cache / "boston_housing.npz") in message
    assert "NERVE_DATASETS" in message


def test_wrong_hash_is_refused(caches):
    from nerve.datasets import ChecksumError, boston_housing

    _, shared = caches
    np.savez(shared / "boston_housing.npz", x=np.zeros((5, 13)), y=np.zeros(5))
    with pytest.raises(ChecksumError, match="hash"):
        boston_housing.load_data()


def test_get_file_downloads_into_keras_layout_and_verifies(caches, monkeypatch):
    import io
    import tarfile

    from nerve.utils import file_utils

    cache, _ = caches
    payload = io.BytesIO()
    with tarfile.open(fileobj=payload, mode="w:gz") as tar:
        info = tarfile.TarInfo("pkg/a.txt")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"hi"))
    blob = payload.getvalue()
    fetched = []

    def serve(url, dest_file, timeout=None):
        fetched.append(url)
        dest_file.write(blob)

    monkeypatch.setattr(file_utils, "_fetch_url", serve)
    import hashlib

    digest = hashlib.sha256(blob).hexdigest()
    folder = nerve.utils.get_file(
        "pkg", "https://example.invalid/pkg.tar.gz", extract=True, file_hash=digest
    )
    assert folder == str(cache / "pkg") and (cache / "pkg" / "pkg" / "a.txt").read_text() == "hi"
    assert (cache / "pkg_archive").is_file()
    again = nerve.utils.get_file(
        "pkg", "https://example.invalid/pkg.tar.gz", extract=True, file_hash=digest
    )
    assert again == folder and len(fetched) == 1  # cached: no second download
    plain = nerve.utils.get_file(origin="https://example.invalid/data.bin", file_hash=digest)
    assert plain == str(cache / "data.bin")
    with pytest.raises(file_utils.DownloadError, match="expected hash"):
        nerve.utils.get_file("other.bin", "https://example.invalid/x", file_hash="0" * 64)
    assert not (cache / "other.bin").exists()
    with pytest.raises(ValueError, match="not a path"):
        nerve.utils.get_file("a/b", "https://example.invalid/x")


def test_extract_refuses_members_outside_the_folder(tmp_path):
    import io
    import tarfile

    from nerve.utils import file_utils

    bad = tmp_path / "bad.tar"
    with tarfile.open(bad, "w") as tar:
        info = tarfile.TarInfo("../escape.txt")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(ValueError, match="outside"):
        file_utils.extract_archive(bad, tmp_path / "out")
    assert not (tmp_path / "escape.txt").exists()


# ---- signatures ------------------------------------------------------------------------------

UTILS = (
    "image_dataset_from_directory",
    "text_dataset_from_directory",
    "timeseries_dataset_from_array",
    "split_dataset",
    "normalize",
    "load_img",
    "img_to_array",
    "array_to_img",
    "save_img",
    "get_file",
    "serialize_keras_object",
    "deserialize_keras_object",
)
DATASETS = ("cifar10", "cifar100", "imdb", "reuters", "boston_housing", "california_housing")


def _params(fn):
    import inspect

    return [
        (p.name, p.default, p.kind)
        for p in inspect.signature(fn).parameters.values()
        if p.kind is not p.VAR_KEYWORD
    ]


@pytest.mark.parametrize("name", UTILS)
def test_utils_signatures_are_keras(name):
    keras = pytest.importorskip("keras")
    assert _params(getattr(nerve.utils, name)) == _params(getattr(keras.utils, name))


@pytest.mark.parametrize("name", DATASETS)
def test_dataset_signatures_are_keras(name):
    keras = pytest.importorskip("keras")
    ours = getattr(nerve.datasets, name)
    theirs = getattr(keras.datasets, name)
    assert _params(ours.load_data) == _params(theirs.load_data)
    for extra in ("get_word_index", "get_label_names"):
        if hasattr(theirs, extra):
            assert _params(getattr(ours, extra)) == _params(getattr(theirs, extra))
