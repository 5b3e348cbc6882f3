"""nerve.callbacks.TensorBoard: the event files it writes (without TensorFlow), read back with the
`tensorboard` package's own reader and protobuf classes.

Keras's own TensorBoard callback cannot run here: it writes through `tensorflow.summary`, and the
test environment has no TensorFlow. The folder and tag names below are therefore taken from
Keras 3.15's source (keras/src/callbacks/tensorboard.py): `train`/`validation`, `epoch_<name>`,
`batch_<name>`, `evaluation_<name>_vs_iterations`, `<weight.path>/histogram` and `/image`, and
the "keras" graph summary. Weight paths and the graph JSON are compared with Keras's own.
"""

from __future__ import annotations

import json
import os
import struct
import zlib

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "jax")  # Keras, where installed, only for reference names

import nerve
from nerve.callbacks import _event_file as ef
from nerve.callbacks._png import encode_png
from nerve.callbacks._weight_paths import weight_paths
from nerve.utils.keras_args import UnsupportedArgumentError

pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing import event_file_loader  # noqa: E402
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402
from tensorboard.compat.proto import event_pb2  # noqa: E402
from tensorboard.util import tensor_util  # noqa: E402

L = nerve.layers


def _accumulator(path):
    ea = EventAccumulator(
        str(path), size_guidance={"scalars": 0, "histograms": 0, "images": 0, "tensors": 0}
    )
    ea.Reload()
    return ea


def _scalars(ea, tag):
    return [(e.step, e.value) for e in ea.Scalars(tag)]


def _decode_png(data: bytes) -> np.ndarray:
    """An independent reader for the PNGs under test (8-bit, filter type 0): checks every
    chunk's CRC and returns the pixels as (height, width, channels)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + n]
        (crc,) = struct.unpack(">I", data[pos + 8 + n : pos + 12 + n])
        assert crc == zlib.crc32(kind + body), kind
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    width, height, depth, color, _, _, _ = header
    channels = {0: 1, 4: 2, 2: 3, 6: 4}[color]
    assert depth == 8
    raw = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(height, 1 + width * channels)
    assert not raw[:, 0].any()  # filter type 0 on every row
    return raw[:, 1:].reshape(height, width, channels)


def _mlp(name="mlp"):
    m = nerve.models.Sequential(
        [nerve.Input((4,)), L.Dense(8, activation="relu"), L.Dense(3, activation="softmax")],
        name=name,
    )
    m.compile(nerve.optimizers.Adam(0.01), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return m


def _data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    return x, (x[:, 0] > 0).astype("int64") + (x[:, 1] > 0)


# ---- the record and protobuf layer ----------------------------------------------------------
def test_crc32c_known_vectors_and_record_framing():
    assert ef.crc32c(b"") == 0
    assert ef.crc32c(b"123456789") == 0xE3069283  # the CRC-32C check value
    assert ef.crc32c(bytes(32)) == 0x8A9136AA  # RFC 3720, B.4: 32 bytes of zeros
    assert ef.crc32c(bytes(range(32))) == 0x46DD794E  # RFC 3720, B.4: 0..31
    # one record by hand: length 9, its masked CRC, data, the data's masked CRC
    record = ef.tfrecord(b"123456789")
    length = struct.pack("<Q", 9)
    crc = 0xE3069283
    masked = ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF
    assert record[:8] == length
    assert struct.unpack("<I", record[8:12])[0] == ef.masked_crc32c(length)
    assert record[12:21] == b"123456789"
    assert struct.unpack("<I", record[21:])[0] == masked
    # byte for byte what tensorboard's own record writer produces
    from tensorboard.summary.writer.record_writer import RecordWriter

    class Sink:
        data = b""

        def write(self, b):
            Sink.data += b

    payload = ef.event(3, 1.5, values=[ef.value_simple("x", 2.0)])
    RecordWriter(Sink()).write(payload)
    assert Sink.data == ef.tfrecord(payload)


def test_messages_parse_with_tensorboards_protobuf_classes():
    histo = ef.histogram_proto(np.array([-1.0, 0.0, 0.5, 3.0]), buckets=4)
    png = encode_png(np.zeros((2, 3), np.uint8))
    metadata = ef.summary_metadata("images", data_class=ef.DATA_CLASS_BLOB_SEQUENCE)
    values = [
        ef.value_simple("epoch_loss", 0.25),
        ef.value_histogram("w/histogram", histo),
        ef.value_image("w/image", ef.image_proto(2, 3, 1, png)),
        ef.value_tensor("t", ef.string_tensor([b"3", b"2", png], [3]), metadata),
    ]
    e = event_pb2.Event.FromString(ef.event(-7, 12.5, values=values))
    assert e.step == -7 and e.wall_time == 12.5
    v = e.summary.value
    assert [x.tag for x in v] == ["epoch_loss", "w/histogram", "w/image", "t"]
    assert v[0].simple_value == 0.25
    h = v[1].histo
    assert (h.min, h.max, h.num, h.sum, h.sum_squares) == (-1.0, 3.0, 4.0, 2.5, 10.25)
    assert list(h.bucket_limit) == [0.0, 1.0, 2.0, 3.0] and list(h.bucket) == [1, 2, 0, 1]
    assert (v[2].image.height, v[2].image.width, v[2].image.colorspace) == (2, 3, 1)
    assert v[2].image.encoded_image_string == png
    assert v[3].metadata.plugin_data.plugin_name == "images"
    assert list(tensor_util.make_ndarray(v[3].tensor)) == [b"3", b"2", png]
    first = event_pb2.Event.FromString(ef.event(0, 1.0, file_version="brain.Event:2"))
    assert first.file_version == "brain.Event:2"


def test_png_encoder_round_trips():
    rng = np.random.default_rng(1)
    for shape in [(5, 7), (4, 3, 1), (6, 2, 3), (3, 5, 4), (1, 1)]:
        img = rng.integers(0, 256, size=shape, dtype=np.uint8)
        decoded = _decode_png(encode_png(img))
        assert np.array_equal(decoded.reshape(img.shape), img)
    PIL = pytest.importorskip("PIL.Image")
    import io

    img = rng.integers(0, 256, size=(9, 4, 3), dtype=np.uint8)
    assert np.array_equal(np.asarray(PIL.open(io.BytesIO(encode_png(img)))), img)
    with pytest.raises(TypeError, match="uint8"):
        encode_png(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="shape"):
        encode_png(np.zeros((2, 2, 5), np.uint8))


def test_the_reader_checks_the_crcs(tmp_path):
    """The reader that reads the files back verifies each CRC, so every test that reads a
    file also checks them: a flipped byte in the last record's data loses that record."""
    tb = nerve.callbacks.TensorBoard(tmp_path, write_graph=False)
    m = _mlp()
    x, y = _data()
    m.fit(x, y, epochs=2, batch_size=16, callbacks=[tb], verbose=0)
    (name,) = os.listdir(tmp_path / "train")
    path = tmp_path / "train" / name
    good = list(event_file_loader.EventFileLoader(str(path)).Load())
    raw = bytearray(path.read_bytes())
    raw[-6] ^= 0xFF  # inside the last event's data
    path.write_bytes(bytes(raw))
    bad = list(event_file_loader.EventFileLoader(str(path)).Load())
    assert len(bad) == len(good) - 1


# ---- what fit writes ------------------------------------------------------------------------
def test_epoch_scalars_equal_the_history(tmp_path):
    m = _mlp()
    x, y = _data(80)
    tb = nerve.callbacks.TensorBoard(tmp_path)
    assert not tb.wants_batches  # per-epoch logging keeps fit's C++ step chunks
    h = m.fit(x, y, epochs=3, batch_size=16, validation_split=0.2, callbacks=[tb], verbose=0)
    assert sorted(os.listdir(tmp_path)) == ["train", "validation"]
    train, val = _accumulator(tmp_path / "train"), _accumulator(tmp_path / "validation")
    assert set(train.Tags()["scalars"]) == {"epoch_loss", "epoch_accuracy", "epoch_learning_rate"}
    assert set(val.Tags()["scalars"]) == {
        "epoch_loss",
        "epoch_accuracy",
        "evaluation_loss_vs_iterations",
        "evaluation_accuracy_vs_iterations",
    }
    f32 = lambda values: [float(np.float32(v)) for v in values]
    for name in ("loss", "accuracy"):
        assert _scalars(train, f"epoch_{name}") == list(zip(range(3), f32(h.history[name])))
        assert _scalars(val, f"epoch_{name}") == list(zip(range(3), f32(h.history[f"val_{name}"])))
        # steps of the evaluation scalars are the optimizer's iterations: 4 steps per epoch
        assert _scalars(val, f"evaluation_{name}_vs_iterations") == list(
            zip([4, 8, 12], f32(h.history[f"val_{name}"]))
        )
    assert _scalars(train, "epoch_learning_rate") == [
        (i, float(np.float32(0.01))) for i in range(3)
    ]


def test_batch_scalars_every_update_freq_batches(tmp_path):
    m = _mlp()
    x, y = _data(64)
    seen = {}
    record = nerve.callbacks.LambdaCallback(
        on_train_batch_end=lambda b, logs: seen.setdefault(len(seen) + 1, dict(logs))
    )
    tb = nerve.callbacks.TensorBoard(tmp_path, update_freq=3, write_steps_per_second=True)
    assert tb.wants_batches
    m.fit(x, y, epochs=2, batch_size=16, callbacks=[tb, record], verbose=0)
    train = _accumulator(tmp_path / "train")
    # the global batch number (from 1, across epochs) is the step; 8 batches in all
    expected = [(s, float(np.float32(seen[s]["loss"]))) for s in (3, 6)]
    assert _scalars(train, "batch_loss") == expected
    assert [s for s, _ in _scalars(train, "batch_steps_per_second")] == [3, 6]
    assert all(v > 0 for _, v in _scalars(train, "batch_steps_per_second"))
    assert [s for s, _ in _scalars(train, "epoch_steps_per_second")] == [0, 1]
    assert all(v > 0 for _, v in _scalars(train, "epoch_steps_per_second"))

    every = nerve.callbacks.TensorBoard(tmp_path / "b", update_freq="batch")
    assert every.update_freq == 1
    _mlp().fit(x, y, epochs=1, batch_size=16, callbacks=[every], verbose=0)
    steps = [s for s, _ in _scalars(_accumulator(tmp_path / "b" / "train"), "batch_loss")]
    assert steps == [1, 2, 3, 4]


def test_histograms_match_the_weights(tmp_path):
    m = _mlp()
    x, y = _data()
    tb = nerve.callbacks.TensorBoard(tmp_path, histogram_freq=2)
    m.fit(x, y, epochs=3, batch_size=16, callbacks=[tb], verbose=0)
    train = _accumulator(tmp_path / "train")
    # Keras names a Sequential's weights "<model>/<layer>/<weight>"
    tags = [f"mlp/{layer.name}/{w}" for layer in m.layers for w in ("kernel", "bias")]
    assert sorted(train.Tags()["histograms"]) == sorted(f"{t}/histogram" for t in tags)
    for tag, w in zip(tags, m.get_weights()):
        events = train.Histograms(f"{tag}/histogram")
        assert [e.step for e in events] == [0, 2]  # every histogram_freq epochs
        hv = events[-1].histogram_value  # written after the last epoch: the final weights
        w64 = w.astype(np.float64).ravel()
        assert hv.min == w64.min() and hv.max == w64.max() and hv.num == w.size
        assert hv.sum == pytest.approx(w64.sum()) and hv.sum_squares == pytest.approx(w64 @ w64)
        assert sum(hv.bucket) == w.size and len(hv.bucket) == len(hv.bucket_limit)
        if w64.min() < w64.max():
            counts, edges = np.histogram(w64, bins=30, range=(w64.min(), w64.max()))
            assert list(hv.bucket) == list(counts)
            assert np.allclose(hv.bucket_limit, edges[1:])
    # TensorBoard's own conversion to the histogram dashboard's [left, right, count] rows
    from tensorboard import data_compat

    hist_event = train.Histograms(f"{tags[0]}/histogram")[-1]
    raw = next(
        ev
        for ev in event_file_loader.EventFileLoader(
            str(tmp_path / "train" / os.listdir(tmp_path / "train")[0])
        ).Load()
        if ev.summary.value and ev.summary.value[0].tag == f"{tags[0]}/histogram" and ev.step == 2
    )
    rows = tensor_util.make_ndarray(data_compat.migrate_value(raw.summary.value[0]).tensor)
    assert rows[:, 2].sum() == hist_event.histogram_value.num
    assert rows[0, 0] == np.float32(hist_event.histogram_value.min)


def test_images_of_the_weights(tmp_path):
    inp = nerve.Input((6, 6, 1))
    h = L.Conv2D(4, 3, name="conv")(inp)
    out = L.Dense(2, name="head")(L.Flatten(name="flat")(h))
    m = nerve.Model(inp, out)
    m.compile("sgd", "mse")
    x = np.random.default_rng(0).normal(size=(8, 6, 6, 1)).astype("float32")
    y = np.zeros((8, 2), np.float32)
    tb = nerve.callbacks.TensorBoard(tmp_path, histogram_freq=1, write_images=True)
    m.fit(x, y, epochs=1, batch_size=4, callbacks=[tb], verbose=0)
    train = _accumulator(tmp_path / "train")
    conv_k, conv_b, head_k, head_b = m.get_weights()
    to_uint8 = lambda w: np.clip(w.astype(np.float64) * 255.5, 0, 255).astype(np.uint8)
    # single images: Summary.Image, read by the accumulator's Images()
    assert set(train.Tags()["images"]) == {
        "conv/bias/image",
        "head/kernel/image",
        "head/bias/image",
    }
    (bias,) = train.Images("head/bias/image")  # a bias: a column of 2 pixels
    assert (bias.height, bias.width) == (2, 1)
    assert np.array_equal(_decode_png(bias.encoded_image_string)[:, 0, 0], to_uint8(head_b))
    (kernel,) = train.Images("head/kernel/image")  # (64, 2): drawn wide, transposed
    assert (kernel.height, kernel.width) == (2, 64)
    assert np.array_equal(_decode_png(kernel.encoded_image_string)[..., 0], to_uint8(head_k.T))
    # a (3, 3, 1, 4) kernel: squeezed to (3, 3, 4), one 3x3 image per filter, the first 3 kept;
    # several images under one tag are tf.summary.image's tensor form
    (conv,) = train.Tensors("conv/kernel/image")
    width, height, *pngs = tensor_util.make_ndarray(conv.tensor_proto)
    assert (int(width), int(height), len(pngs)) == (3, 3, 3)
    for i, png in enumerate(pngs):
        assert np.array_equal(_decode_png(png)[..., 0], to_uint8(conv_k[:, :, 0, i]))
    assert train.summary_metadata["conv/kernel/image"].plugin_data.plugin_name == "images"


_PATH_LAYERS = [  # (constructor, per-sample input shape); Keras's layers are built directly,
    # since its symbolic calls of recurrent layers take seconds each under JAX
    (lambda K: K.Conv1D(3, 2, name="c1"), (5, 2)),
    (lambda K: K.Conv2D(2, 3, use_bias=False, name="c2"), (5, 5, 1)),
    (lambda K: K.BatchNormalization(center=False, name="bn"), (4,)),
    (lambda K: K.BatchNormalization(scale=False, name="bn2"), (4,)),
    (lambda K: K.LayerNormalization(name="ln"), (4,)),
    (lambda K: K.Embedding(10, 4, name="emb"), (6,)),
    (lambda K: K.LSTM(4, name="lstm"), (5, 2)),
    (lambda K: K.GRU(4, name="gru"), (5, 2)),
    (lambda K: K.SimpleRNN(4, use_bias=False, name="rnn"), (5, 2)),
    (lambda K: K.Bidirectional(K.LSTM(2, name="inner"), name="bi"), (5, 2)),
    (lambda K: K.TimeDistributed(K.Dense(3, name="td_dense"), name="td"), (5, 2)),
    (lambda K: K.MultiHeadAttention(num_heads=2, key_dim=3, name="mha"), (6, 4)),
]


def test_weight_paths_are_keras_paths():
    keras = pytest.importorskip("keras")
    for make, shape in _PATH_LAYERS:
        theirs = make(keras.layers)
        if isinstance(theirs, keras.layers.MultiHeadAttention):
            theirs.build((None, *shape), (None, *shape))
        else:
            theirs.build((None, *shape))
        mine = make(nerve.layers)
        x = nerve.Input(shape)
        model = nerve.Model(x, mine(x, x) if isinstance(mine, L.MultiHeadAttention) else mine(x))
        got = weight_paths(model)
        assert [p for p, _ in got] == [w.path for w in theirs.weights]
        assert [tuple(w.shape) for _, w in got] == [tuple(w.shape) for w in theirs.weights]

    # a Sequential scopes its layers' paths under its own name; a functional model does not
    def build(lib):
        seq = lib.Sequential([lib.Input((3,)), lib.layers.Dense(2, name="d")], name="seq")
        x = lib.Input((3,))
        return seq, lib.Model(x, lib.layers.Dense(2, name="f")(x), name="func")

    for mine, theirs in zip(build(nerve), build(keras)):
        assert [p for p, _ in weight_paths(mine)] == [w.path for w in theirs.weights]


def test_graph_is_the_keras_model_graph(tmp_path):
    keras = pytest.importorskip("keras")
    from tensorboard.plugins.graph import keras_util

    def build(lib):
        K = lib.layers
        x = lib.Input((4,), name="x")
        a = K.Dense(3, name="a")(x)
        b = K.Dense(3, name="b")(x)
        return lib.Model(x, K.Dense(1, name="out")(K.Add(name="sum")([a, b])), name="branches")

    m = build(nerve)
    m.compile("sgd", "mse")
    x, y = np.ones((4, 4), np.float32), np.ones((4, 1), np.float32)
    m.fit(x, y, epochs=1, callbacks=[nerve.callbacks.TensorBoard(tmp_path)], verbose=0)
    train = _accumulator(tmp_path / "train")
    assert train.summary_metadata["keras"].plugin_data.plugin_name == "graph_keras_model"
    assert train.summary_metadata["keras"].plugin_data.content == b"1"
    (event,) = train.Tensors("keras")
    assert event.step == 0
    config = json.loads(tensor_util.make_ndarray(event.tensor_proto).item())

    def edges(cfg):
        graph = keras_util.keras_model_to_graph_def(cfg)
        return {(n.name, tuple(n.input), n.attr["keras_class"].s) for n in graph.node}

    want = edges(json.loads(build(keras).to_json()))
    assert edges(config) == want
    assert ("branches/sum", ("branches/a", "branches/b"), b"Add") in want

    def build_sequential(lib):
        K = lib.layers
        return lib.Sequential(
            [lib.Input((4,), name="input_layer"), K.Dense(3, name="a"), K.Dense(2, name="b")],
            name="mlp",
        )

    s = build_sequential(nerve)
    s.compile("sgd", "mse")
    seq_dir = tmp_path / "seq"
    s.fit(x, y[:, [0, 0]], epochs=1, callbacks=[nerve.callbacks.TensorBoard(seq_dir)], verbose=0)
    (event,) = _accumulator(seq_dir / "train").Tensors("keras")
    config = json.loads(tensor_util.make_ndarray(event.tensor_proto).item())
    want = edges(json.loads(build_sequential(keras).to_json()))
    assert edges(config) == want
    assert ("mlp/b", ("mlp/a",), b"Dense") in want

    off = tmp_path / "off"
    _mlp().fit(
        *_data(16),
        epochs=1,
        callbacks=[nerve.callbacks.TensorBoard(off, write_graph=False)],
        verbose=0,
    )
    assert "keras" not in _accumulator(off / "train").Tags()["tensors"]


def test_evaluate_alone_writes_the_evaluation_scalars(tmp_path):
    m = _mlp()
    x, y = _data(32)
    m.fit(x, y, epochs=1, batch_size=16, verbose=0)
    result = m.evaluate(
        x, y, callbacks=[nerve.callbacks.TensorBoard(tmp_path)], verbose=0, return_dict=True
    )
    val = _accumulator(tmp_path / "validation")
    assert _scalars(val, "evaluation_loss_vs_iterations") == [
        (2, float(np.float32(result["loss"])))
    ]
    assert not (tmp_path / "train").exists()


def test_two_fits_write_two_files(tmp_path):
    m = _mlp()
    tb = nerve.callbacks.TensorBoard(tmp_path)
    x, y = _data(32)
    m.fit(x, y, epochs=1, callbacks=[tb], verbose=0)
    m.fit(x, y, epochs=2, initial_epoch=1, callbacks=[tb], verbose=0)
    assert len(os.listdir(tmp_path / "train")) == 2
    assert [s for s, _ in _scalars(_accumulator(tmp_path / "train"), "epoch_loss")] == [0, 1]


# ---- refusals ---------------------------------------------------------------------------------
def test_a_log_dir_that_cannot_be_written_is_refused(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    with pytest.raises(NotADirectoryError, match="a_file"):
        nerve.callbacks.TensorBoard(blocker / "logs")
    # a file that appears after construction: the first event file fails, before training
    later = tmp_path / "later"
    tb = nerve.callbacks.TensorBoard(later)
    later.write_text("taken")
    m = _mlp()
    before = m.get_weights()
    with pytest.raises(OSError, match="cannot write event files in log directory .*later"):
        m.fit(*_data(16), epochs=1, callbacks=[tb], verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(before, m.get_weights()))  # no step ran


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(profile_batch=2), UnsupportedArgumentError, "profile_batch=2"),
        (dict(profile_batch=(2, 4)), UnsupportedArgumentError, "profile_batch"),
        (dict(profile_batch="3,5"), UnsupportedArgumentError, "profile_batch"),
        (dict(profile_batch=-1), ValueError, "profile_batch"),
        (dict(profile_batch=(5, 2)), ValueError, "profile_batch"),
        (dict(embeddings_freq=1), UnsupportedArgumentError, "embeddings_freq=1"),
        (dict(embeddings_metadata="meta.tsv"), UnsupportedArgumentError, "embeddings_metadata"),
        (dict(update_freq="sometimes"), ValueError, "update_freq"),
        (dict(update_freq=0), ValueError, "update_freq"),
        (dict(histogram_freq=-1), ValueError, "histogram_freq"),
        (dict(histogram_freq=1.5), ValueError, "histogram_freq"),
    ],
)
def test_unsupported_or_bad_arguments_raise(tmp_path, kwargs, error, match):
    with pytest.raises(error, match=match):
        nerve.callbacks.TensorBoard(tmp_path, **kwargs)


def test_disabled_profiling_forms_are_accepted(tmp_path):
    for value in (0, "0", (0, 0), "0,0"):
        nerve.callbacks.TensorBoard(tmp_path, profile_batch=value)


def test_a_model_that_cannot_serialize_warns_and_trains(tmp_path, monkeypatch):
    m = _mlp()

    def broken():
        raise NotImplementedError("no config")

    monkeypatch.setattr(m, "get_config", broken)
    with pytest.warns(UserWarning, match="failed to serialize.*no config"):
        m.fit(*_data(16), epochs=1, callbacks=[nerve.callbacks.TensorBoard(tmp_path)], verbose=0)
    train = _accumulator(tmp_path / "train")
    assert "keras" not in train.Tags()["tensors"] and "epoch_loss" in train.Tags()["scalars"]
