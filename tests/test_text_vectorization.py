"""TextVectorization against Keras 3.15's rules.

Keras's TextVectorization needs TensorFlow (its constructor raises ImportError without it, on
every backend), and the test environment has none; so the expected vocabularies and ids here are
worked out by hand from Keras's code (keras/src/layers/preprocessing/text_vectorization.py and
index_lookup.py) and the TensorFlow string ops it calls: tf.strings.lower (ASCII letters only),
the punctuation regex (string.punctuation), tf.strings.split (ASCII whitespace),
tf.strings.ngrams (per string: all unigrams, then all bigrams), the vocabulary order
np.lexsort((tokens, counts))[::-1] (count, then UTF-8 bytes, both descending), and
log(1 + documents / (1 + document count)) for TF-IDF. Keras's own docstring examples are checked
verbatim; where TensorFlow is installed, the same layers are also compared with Keras directly.
The tutorial pipeline (adapt, vectorize, Embedding -> Conv1D -> GlobalMaxPooling1D -> Dense)
trains beside Keras on JAX from the same weights."""

import os

import numpy as np
import pytest

import nerve
from nerve import layers as L
from nerve.utils.keras_args import UnsupportedArgumentError

# Row 0 first so that first-seen order ("b", "a", ...) differs from Keras's tie order.
CORPUS = [
    "b a",
    "The cat sat. The CAT!",
    "A dog\u2014the dog? \u00c7a va, \u00c9lan \u00e9lan",
    "cat\u00a0dog  tab\tsep\nnew",
]
# the / cat / a twice each (ties by bytes, descending), then every once-seen token by bytes
# descending: "é" (c3 a9) > "É" (c3 89) > "Ç" (c3 87) > ASCII; "Ç" and "É" are not lowered, the
# em dash and the no-break space are neither punctuation nor whitespace to Keras.
CORPUS_TOKENS = [
    "the",
    "cat",
    "a",
    "\u00e9lan",
    "\u00c9lan",
    "\u00c7a",
    "va",
    "tab",
    "sep",
    "sat",
    "new",
    "dog\u2014the",
    "dog",
    "cat\u00a0dog",
    "b",
]


def _adapted(**kwargs):
    layer = L.TextVectorization(**kwargs)
    layer.adapt(CORPUS)
    return layer


# ---- Keras's docstring examples, verbatim ---------------------------------------------------
def test_keras_docstring_examples():
    layer = L.TextVectorization(max_tokens=5000, output_mode="int", output_sequence_length=4)
    layer.adapt(["foo bar", "bar baz", "baz bada boom"])
    got = layer([["foo qux bar"], ["qux baz"]])
    np.testing.assert_array_equal(got, [[4, 1, 3, 0], [1, 2, 0, 0]])
    assert got.dtype == np.int64
    layer = L.TextVectorization(
        max_tokens=5000,
        output_mode="int",
        output_sequence_length=4,
        vocabulary=["earth", "wind", "and", "fire"],
    )
    assert layer.get_vocabulary() == ["", "[UNK]", "earth", "wind", "and", "fire"]


# ---- the vocabulary ---------------------------------------------------------------------------
def test_adapt_orders_by_count_then_token_descending():
    layer = _adapted()
    assert layer.get_vocabulary() == ["", "[UNK]"] + CORPUS_TOKENS
    assert layer.get_vocabulary(include_special_tokens=False) == CORPUS_TOKENS
    assert layer.vocabulary_size() == 2 + len(CORPUS_TOKENS)


def test_max_tokens_keeps_the_most_frequent():
    layer = _adapted(max_tokens=8)
    assert layer.get_vocabulary() == ["", "[UNK]"] + CORPUS_TOKENS[:6]
    counting = _adapted(max_tokens=8, output_mode="count")  # one special token there
    assert counting.get_vocabulary() == ["[UNK]"] + CORPUS_TOKENS[:7]


def test_adapt_takes_arrays_and_batches():
    want = ["", "[UNK]"] + CORPUS_TOKENS
    for data in (np.array(CORPUS), np.array(CORPUS)[:, None], tuple(CORPUS)):
        layer = L.TextVectorization()
        layer.adapt(data)
        assert layer.get_vocabulary() == want
    layer = L.TextVectorization()
    layer.adapt(iter([CORPUS[:2], np.array(CORPUS[2:])]))
    assert layer.get_vocabulary() == want
    layer.adapt((batch for batch in [["x x y"], ["z"]]), steps=1)  # adapt() starts afresh
    assert layer.get_vocabulary() == ["", "[UNK]", "x", "y"]


def test_special_tokens_are_not_learned():
    layer = L.TextVectorization(standardize=None, split=None)
    layer.adapt(["[UNK]", "", "x", "[UNK]"])
    assert layer.get_vocabulary() == ["", "[UNK]", "x"]


def test_set_vocabulary_with_and_without_special_tokens():
    layer = L.TextVectorization()
    layer.set_vocabulary(["", "[UNK]", "red", "blue"])
    assert layer.get_vocabulary() == ["", "[UNK]", "red", "blue"]
    layer.set_vocabulary(np.array(["green"]))
    np.testing.assert_array_equal(layer(["Green red"]), [[2, 1]])
    with pytest.raises(ValueError, match="repeated term"):
        layer.set_vocabulary(["a", "b", "a"])
    with pytest.raises(ValueError, match="reserved mask token"):
        layer.set_vocabulary(["a", ""])
    with pytest.raises(ValueError, match="larger than the maximum vocab size"):
        L.TextVectorization(max_tokens=3, vocabulary=["a", "b"])
    with pytest.raises(ValueError, match="empty vocabulary"):
        layer.set_vocabulary([])


def test_vocabulary_file(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("sun\nmoon\n", encoding="utf-8")
    layer = L.TextVectorization(vocabulary=str(path))
    assert layer.get_vocabulary() == ["", "[UNK]", "sun", "moon"]


# ---- int output -------------------------------------------------------------------------------
def test_int_output_pads_to_the_longest_or_to_the_given_length():
    layer = _adapted()
    texts = ["The cat; a ZEBRA", "\u00e9lan"]
    np.testing.assert_array_equal(layer(texts), [[2, 3, 4, 1], [5, 0, 0, 0]])
    np.testing.assert_array_equal(layer(np.array(texts)[:, None]), [[2, 3, 4, 1], [5, 0, 0, 0]])
    short = _adapted(output_sequence_length=3)
    np.testing.assert_array_equal(short(texts), [[2, 3, 4], [5, 0, 0]])
    long = _adapted(output_sequence_length=6)
    np.testing.assert_array_equal(long(texts), [[2, 3, 4, 1, 0, 0], [5, 0, 0, 0, 0, 0]])
    # one string gives one row of ids, as Keras
    np.testing.assert_array_equal(layer("the cat"), [2, 3])
    np.testing.assert_array_equal(long("the cat"), [2, 3, 0, 0, 0, 0])
    assert layer([]).shape == (0, 0)


def test_ngrams():
    layer = L.TextVectorization(ngrams=2)
    layer.adapt(["x y z", "y z"])
    # z, "y z", y twice (bytes descending); "x y", x once
    assert layer.get_vocabulary() == ["", "[UNK]", "z", "y z", "y", "x y", "x"]
    # unigrams x y z w, then bigrams "x y" "y z" "z w"
    np.testing.assert_array_equal(layer(["x y z w"]), [[6, 4, 2, 1, 5, 3, 1]])
    bigrams = L.TextVectorization(ngrams=(2,))
    bigrams.adapt(["x y z", "y z"])
    assert bigrams.get_vocabulary() == ["", "[UNK]", "y z", "x y"]
    np.testing.assert_array_equal(bigrams(["x y", "x"]), [[3], [0]])


@pytest.mark.parametrize(
    "standardize, tokens",
    [
        (
            "lower_and_strip_punctuation",
            ["hello", "world", "\u00c7ava", "\u00ab\u00e9t\u00e9\u00bb"],
        ),
        ("lower", ["hello,", "world!", "\u00c7a-va", "\u00ab\u00e9t\u00e9\u00bb"]),
        ("strip_punctuation", ["Hello", "WORLD", "\u00c7ava", "\u00ab\u00e9t\u00e9\u00bb"]),
        (None, ["Hello,", "WORLD!", "\u00c7a-va", "\u00ab\u00e9t\u00e9\u00bb"]),
    ],
)
def test_standardize(standardize, tokens):
    layer = L.TextVectorization(standardize=standardize)
    layer.adapt(["Hello, WORLD! \u00c7a-va \u00ab\u00e9t\u00e9\u00bb"])
    assert sorted(layer.get_vocabulary(include_special_tokens=False)) == sorted(tokens)


def test_split_character_and_none():
    layer = L.TextVectorization(split="character")
    layer.adapt(["ab a\u00e7"])
    # a twice; then "\u00e7" > "b" > " " by bytes
    assert layer.get_vocabulary() == ["", "[UNK]", "a", "\u00e7", "b", " "]
    np.testing.assert_array_equal(layer(["ba", "A"]), [[4, 2], [2, 0]])
    whole = L.TextVectorization(split=None, vocabulary=["new york", "paris"])
    np.testing.assert_array_equal(whole(["New York!", "paris", "", "rome"]), [2, 3, 0, 1])
    np.testing.assert_array_equal(whole(np.array([["paris"], ["x"]])), [[3], [1]])


def test_callables():
    seen = []

    def shout(strings):
        seen.append(strings)
        return np.char.upper(strings)

    def on_dashes(strings):
        return [s.split("-") for s in strings]

    layer = L.TextVectorization(standardize=shout, split=on_dashes)
    layer.adapt(["a-b-a", "c"])
    # as Keras: adapt() hands it the texts as an (n, 1) array, a call the input's own shape
    assert isinstance(seen[0], np.ndarray) and seen[0].dtype.kind == "U"
    assert seen[0].shape == (2, 1)
    assert layer.get_vocabulary() == ["", "[UNK]", "A", "C", "B"]
    np.testing.assert_array_equal(layer(["c-a-x"]), [[3, 2, 1]])
    assert seen[-1].shape == (1,)


# ---- multi_hot / count / tf_idf ------------------------------------------------------------
@pytest.mark.parametrize(
    "mode, want",
    [
        ("multi_hot", [[1, 1, 0, 0, 1], [0, 0, 0, 0, 0]]),
        ("count", [[1, 2, 0, 0, 1], [0, 0, 0, 0, 0]]),
        # 3 documents; b and c in 2: log(1 + 3/3); z and a in 1: log(1 + 3/2); [UNK] the mean
        (
            "tf_idf",
            [
                [(2 * np.log(2) + 2 * np.log(2.5)) / 4, 2 * np.log(2), 0, 0, np.log(2.5)],
                [0, 0, 0, 0, 0],
            ],
        ),
    ],
)
def test_vector_output_modes(mode, want):
    layer = L.TextVectorization(output_mode=mode)
    layer.adapt(["a b b c", "b c", "Z!"])
    assert layer.get_vocabulary() == ["[UNK]", "b", "c", "z", "a"]
    got = layer(["b b a q", ""])
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-6)
    padded = L.TextVectorization(output_mode=mode, max_tokens=8, pad_to_max_tokens=True)
    padded.adapt(["a b b c", "b c", "Z!"])
    np.testing.assert_allclose(padded(["b b a q", ""]), np.pad(want, ((0, 0), (0, 3))), rtol=1e-6)


def test_tf_idf_with_given_weights():
    layer = L.TextVectorization(output_mode="tf_idf", vocabulary=["x", "y"], idf_weights=[0.5, 1.5])
    # "[UNK]" gets the mean of the given weights, as Keras
    np.testing.assert_allclose(layer(["y y q x"]), [[1.0, 0.5, 3.0]])


# ---- config ---------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["int", "multi_hot", "count", "tf_idf"])
def test_config_round_trip_keeps_the_vocabulary(mode):
    extra = {"output_sequence_length": 5} if mode == "int" else {}
    layer = L.TextVectorization(max_tokens=10, ngrams=2, output_mode=mode, **extra)
    layer.adapt(CORPUS)
    config = layer.get_config()
    assert config["vocabulary"] == layer.get_vocabulary()
    back = L.TextVectorization.from_config(config)
    assert back.get_config() == config
    texts = ["the cat sat", "a dog b a"]
    np.testing.assert_array_equal(back(texts), layer(texts))


# ---- refusals --------------------------------------------------------------------------------
def test_refused_inside_a_model():
    layer = _adapted()
    with pytest.raises(NotImplementedError, match="Vectorize the strings first"):
        layer(nerve.Input(shape=(1,)))
    with pytest.raises(NotImplementedError, match="feed the ids to the model"):
        nerve.Sequential([nerve.Input(shape=(1,)), layer, L.Embedding(20, 4)])
    # the tutorials' "option 1", a string Input, is refused where it is declared
    with pytest.raises(ValueError, match="dtype='string'.*TextVectorization"):
        nerve.Input(shape=(1,), dtype="string")
    os.environ.setdefault("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    with pytest.raises(NotImplementedError, match="cannot run inside a nerve model"):
        layer(keras.Input(shape=(1,), dtype="string"))


def test_refused_arguments_and_inputs():
    with pytest.raises(UnsupportedArgumentError, match="one_hot"):
        L.TextVectorization(output_mode="one_hot")
    for argument in ("sparse", "ragged"):
        with pytest.raises(UnsupportedArgumentError, match=argument):
            L.TextVectorization(**{argument: True})
    with pytest.raises(UnsupportedArgumentError, match="encoding"):
        L.TextVectorization(encoding="latin-1")
    with pytest.raises(UnsupportedArgumentError, match="ngrams"):
        L.TextVectorization(split=None, ngrams=2)
    with pytest.raises(ValueError, match="TextVectorization.*standardize"):
        L.TextVectorization(standardize="upper")
    with pytest.raises(ValueError, match="TextVectorization.*split"):
        L.TextVectorization(split="comma")
    with pytest.raises(ValueError, match="output_sequence_length"):
        L.TextVectorization(output_mode="count", output_sequence_length=3)
    with pytest.raises(ValueError, match="max_tokens"):
        L.TextVectorization(max_tokens=1)
    with pytest.raises(ValueError, match="pad_to_max_tokens"):
        L.TextVectorization(output_mode="count", pad_to_max_tokens=True)
    with pytest.raises(ValueError, match="idf_weights"):
        L.TextVectorization(output_mode="tf_idf", vocabulary=["a"])
    with pytest.raises(ValueError, match="ngrams"):
        L.TextVectorization(ngrams=0)
    fixed = L.TextVectorization(vocabulary=["a"])
    with pytest.raises(ValueError, match="Cannot adapt"):
        fixed.adapt(["a b"])
    with pytest.raises(ValueError, match=r"last shape dimension must be 1.*\(2, 2\)"):
        fixed(np.array([["a", "b"], ["c", "d"]]))
    with pytest.raises(TypeError, match="expected strings.*int"):
        fixed(["a", 3])
    with pytest.raises(RuntimeError, match="must set the layer's vocabulary"):
        L.TextVectorization(output_mode="multi_hot")(["a"])


# ---- Keras itself, where TensorFlow is installed ----------------------------------------------
def test_same_as_keras_when_tensorflow_is_installed():
    pytest.importorskip("tensorflow", reason="Keras's TextVectorization needs TensorFlow")
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import keras

    for kwargs in (
        dict(),
        dict(max_tokens=8, output_sequence_length=3),
        dict(ngrams=2),
        dict(output_mode="count"),
        dict(output_mode="tf_idf"),
    ):
        ours, theirs = L.TextVectorization(**kwargs), keras.layers.TextVectorization(**kwargs)
        ours.adapt(CORPUS)
        theirs.adapt(CORPUS)
        assert ours.get_vocabulary() == theirs.get_vocabulary(), kwargs
        texts = ["The cat; a ZEBRA", "\u00e9lan dog"]
        np.testing.assert_allclose(ours(texts), np.asarray(theirs(texts)), rtol=1e-6)


# ---- the text-classification tutorial ------------------------------------------------------
def _classifier(lib, vocab, length):
    inputs = lib.Input((length,), dtype="int64")
    x = lib.layers.Embedding(vocab, 8)(inputs)
    x = lib.layers.Conv1D(8, 3, padding="valid", activation="relu", strides=2)(x)
    x = lib.layers.GlobalMaxPooling1D()(x)
    x = lib.layers.Dense(8, activation="relu")(x)
    return lib.Model(inputs, lib.layers.Dense(1, activation="sigmoid")(x))


def test_tutorial_pipeline_trains_as_keras():
    os.environ.setdefault("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    from _keras_diff import assert_history_close, twin_models

    rng = np.random.default_rng(11)
    good, bad, filler = ["great", "fun", "superb"], ["awful", "dull", "boring"], ["the", "film"]
    texts, labels = [], []
    for i in range(32):
        words = list(rng.choice(filler + (good if i % 2 else bad), size=10))
        texts.append(" ".join(w.capitalize() if j == 0 else w for j, w in enumerate(words)) + ".")
        labels.append(float(i % 2))
    labels = np.array(labels, dtype=np.float32)[:, None]
    max_tokens, length = 20, 12
    vectorize_layer = L.TextVectorization(
        max_tokens=max_tokens, output_mode="int", output_sequence_length=length
    )
    vectorize_layer.adapt(texts)
    ids = vectorize_layer(texts)
    assert ids.shape == (32, length) and ids.max() < vectorize_layer.vocabulary_size()
    assert (ids[:, 10:] == 0).all() and (ids[:, :10] > 1).all()

    k, n = twin_models(lambda lib: _classifier(lib, max_tokens, length), seed=3)
    for model, lib in ((k, keras), (n, nerve)):
        model.compile(optimizer=lib.optimizers.Adam(0.01), loss="binary_crossentropy")
    kw = dict(batch_size=8, epochs=3, shuffle=False, verbose=0)
    want = k.fit(ids, labels, **kw).history
    got = n.fit(ids, labels, **kw).history
    assert_history_close("text vectorization tutorial", got, want, rtol=1e-4)
    assert got["loss"][-1] < got["loss"][0]
