"""TextVectorization: Keras 3's string -> token id preprocessing, run on numpy outside the model.

nerve models carry float tensors, never strings, so this layer is a preprocessing object: it is
called on Python / numpy strings and returns numpy arrays, which are then fed to the model
(Keras's tutorials' "option 2": vectorize the texts, then fit on the ids). Keras 3 runs the
same steps with TensorFlow string ops; nerve reproduces those ops' rules in Python:

- "lower" is TensorFlow's tf.strings.lower with its default encoding: ASCII letters A-Z only
  ("Ä" stays "Ä"), as Keras's layer does;
- punctuation is the 32 ASCII characters of Python's string.punctuation (Keras's regex), so
  unicode punctuation ("«", "…") stays;
- "whitespace" splitting is tf.strings.split: runs of ASCII whitespace (space, \\t, \\n, \\v,
  \\f, \\r) separate tokens; other unicode spaces (U+00A0, U+2003) stay inside tokens;
- adapt() orders tokens by count, ties by the token's UTF-8 bytes, both descending (Keras's
  np.lexsort(...)[::-1]).
"""

from __future__ import annotations

import collections

import numpy as np

from ..utils.keras_args import UnsupportedArgumentError
from .base import Layer
from .symbolic import KerasTensor

_STANDARDIZE = ("lower_and_strip_punctuation", "lower", "strip_punctuation")
_SPLIT = ("whitespace", "character")
_OUTPUT_MODES = ("int", "multi_hot", "count", "tf_idf")
_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"  # Keras's regex class, i.e. string.punctuation
_STRIP_PUNCTUATION = str.maketrans("", "", _PUNCTUATION)
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_ASCII_WHITESPACE = " \t\n\v\f\r"
_MASK, _OOV = "", "[UNK]"


def _split_whitespace(text: str) -> list:
    """tf.strings.split(text): runs of ASCII whitespace separate tokens, no empty tokens."""
    for ch in _ASCII_WHITESPACE[1:]:
        text = text.replace(ch, " ")
    return [t for t in text.split(" ") if t]


def _is_symbolic(value) -> bool:
    return isinstance(value, KerasTensor) or any(
        c.__name__ == "KerasTensor" for c in type(value).__mro__
    )


class TextVectorization(Layer):
    """Maps strings to token ids (or multi-hot / count / TF-IDF vectors), as Keras 3.15's
    TextVectorization: standardize each string, split it into tokens, optionally form n-grams,
    look the tokens up in a vocabulary built by adapt(texts) or given as `vocabulary`.

    Call it on a list of strings, a numpy array of strings (shape (batch,) or (batch, 1)), or a
    single string; the result is a numpy array: int64 ids for output_mode="int" (index 0 the
    padding "", 1 the out-of-vocabulary "[UNK]"; padded with 0 or truncated to
    output_sequence_length, else to the longest row of the batch), float32 (batch, vocabulary
    size) for "multi_hot", "count" and "tf_idf" (index 0 then counts out-of-vocabulary tokens).

    standardize: "lower_and_strip_punctuation", "lower", "strip_punctuation", None, or a callable
    that receives a numpy array of str (the input's shape) and returns strings of the same
    shape, as Keras gives it on its non-TensorFlow backends. split: "whitespace", "character"
    (unicode code points), None (each string is one token; int output only), or a callable that
    receives a 1-D numpy array of str and returns one list of tokens per string (Keras hands it a
    tf.Tensor instead). ngrams: None, an int n (all n-grams of 1..n tokens, joined by a space:
    for each string its unigrams, then its bigrams, ...), or a tuple of widths.

    Inside a model (a symbolic input, nerve.Input or a KerasTensor; or Sequential.add) it raises
    NotImplementedError: vectorize the strings first (ids = layer(texts)) and feed the ids to
    the model. Not supported (UnsupportedArgumentError): output_mode="one_hot", sparse=True,
    ragged=True (TensorFlow-only in Keras), an encoding other than "utf-8", an
    activity_regularizer. get_config() carries the current vocabulary (and TF-IDF weights), so
    from_config() gives the same layer; Keras's config has them only when they were given to the
    constructor (its .keras file keeps an adapted vocabulary as an asset)."""

    def __init__(
        self,
        max_tokens=None,
        standardize="lower_and_strip_punctuation",
        split="whitespace",
        ngrams=None,
        output_mode="int",
        output_sequence_length=None,
        pad_to_max_tokens=False,
        vocabulary=None,
        idf_weights=None,
        sparse=False,
        ragged=False,
        encoding="utf-8",
        name=None,
        **kwargs,
    ):
        who = type(self).__name__
        has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        kwargs.pop("vocabulary_size", None)  # in Keras's config; the vocabulary decides it
        if kwargs.get("activity_regularizer") is not None:
            raise UnsupportedArgumentError(
                f"{who}: activity_regularizer is not supported (the layer outputs ids, not "
                f"a differentiable activation)"
            )
        super().__init__(name=name, **kwargs)
        for argument, value in (("sparse", sparse), ("ragged", ragged)):
            if value:
                raise UnsupportedArgumentError(
                    f"{who}: {argument}=True is not supported (Keras 3 allows it only with the "
                    f"TensorFlow backend); nerve returns dense numpy arrays"
                )
        if encoding != "utf-8":
            raise UnsupportedArgumentError(
                f"{who}: encoding={encoding!r} is not supported; nerve takes Python str (and "
                f"bytes decoded as 'utf-8')"
            )
        if not (standardize is None or callable(standardize) or standardize in _STANDARDIZE):
            raise ValueError(
                f"{who}: standardize must be one of {_STANDARDIZE}, None or a callable. "
                f"Received: standardize={standardize!r}"
            )
        if not (split is None or callable(split) or split in _SPLIT):
            raise ValueError(
                f"{who}: split must be one of {_SPLIT}, None or a callable. "
                f"Received: split={split!r}"
            )
        if output_mode == "binary":  # Keras's deprecated names
            output_mode = "multi_hot"
        if output_mode == "tf-idf":
            output_mode = "tf_idf"
        if output_mode == "one_hot":
            raise UnsupportedArgumentError(
                f"{who}: output_mode='one_hot' is not supported (one vector per token of a "
                f"split string); use 'int', 'multi_hot', 'count' or 'tf_idf'"
            )
        if output_mode not in _OUTPUT_MODES:
            raise ValueError(
                f"{who}: output_mode must be one of {_OUTPUT_MODES}. "
                f"Received: output_mode={output_mode!r}"
            )
        if isinstance(ngrams, list):
            ngrams = tuple(ngrams)
        _int = (int, np.integer)
        if not (
            ngrams is None
            or isinstance(ngrams, _int)
            and not isinstance(ngrams, bool)
            and ngrams >= 1
            or isinstance(ngrams, tuple)
            and ngrams
            and all(isinstance(n, _int) and not isinstance(n, bool) and n >= 1 for n in ngrams)
        ):
            raise ValueError(
                f"{who}: ngrams must be None, a positive integer, or a tuple of positive "
                f"integers. Received: ngrams={ngrams!r}"
            )
        if ngrams is not None and split is None:
            raise UnsupportedArgumentError(
                f"{who}: ngrams={ngrams!r} with split=None is not supported (n-grams are formed "
                f"from the tokens a split makes)"
            )
        if split is None and output_mode != "int":
            raise UnsupportedArgumentError(
                f"{who}: split=None with output_mode={output_mode!r} is not supported; use "
                f"split='whitespace' (or a callable) or output_mode='int'"
            )
        if output_sequence_length is not None:
            if output_mode != "int":
                raise ValueError(
                    f"{who}: `output_sequence_length` must not be set if `output_mode` is not "
                    f"'int'. Received output_sequence_length={output_sequence_length}."
                )
            if not isinstance(output_sequence_length, _int) or output_sequence_length < 1:
                raise ValueError(
                    f"{who}: `output_sequence_length` must be either None or a positive "
                    f"integer. Received: output_sequence_length={output_sequence_length!r}"
                )
            output_sequence_length = int(output_sequence_length)
        if max_tokens is not None:
            if not isinstance(max_tokens, _int) or max_tokens <= 1:
                raise ValueError(
                    f"{who}: if set, `max_tokens` must be an integer greater than 1. "
                    f"Received: max_tokens={max_tokens!r}"
                )
            max_tokens = int(max_tokens)
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(
                f"{who}: if pad_to_max_tokens is True, must set `max_tokens`. "
                f"Received: max_tokens={max_tokens}"
            )
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(
                f"{who}: `idf_weights` should only be set if `output_mode` is 'tf_idf'. "
                f"Received: idf_weights={idf_weights} and output_mode={output_mode}"
            )
        if output_mode == "tf_idf" and vocabulary is not None and idf_weights is None:
            raise ValueError(
                f"{who}: when specifying the `vocabulary` argument, in TF-IDF output mode, the "
                f"`idf_weights` argument must also be provided."
            )
        self.max_tokens = max_tokens
        self.standardize = standardize
        self.split = split
        self.ngrams = ngrams
        self._widths = tuple(range(1, ngrams + 1)) if isinstance(ngrams, _int) else ngrams
        self.output_mode = output_mode
        self.output_sequence_length = output_sequence_length
        self.pad_to_max_tokens = bool(pad_to_max_tokens)
        self.sparse, self.ragged, self.encoding = False, False, encoding
        self._tokens: list = []  # the learned / given tokens, special tokens excluded
        self._index: dict = {_MASK: 0 if output_mode == "int" else -1}
        self._idf = None  # float32 (depth,) for tf_idf
        self._has_vocabulary = False
        self._has_input_vocabulary = bool(has_input_vocabulary)
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    # ---- vocabulary ------------------------------------------------------------------------
    def _who(self) -> str:
        return f"{type(self).__name__} '{self.name}'"

    def _token_start(self) -> int:
        """Ids before the first token: "" and "[UNK]" for int output, "[UNK]" otherwise."""
        return 2 if self.output_mode == "int" else 1

    def get_vocabulary(self, include_special_tokens=True) -> list:
        """The vocabulary in id order: "" and "[UNK]" first for int output ("[UNK]" first for
        the other modes), unless include_special_tokens=False."""
        special = [_MASK, _OOV] if self.output_mode == "int" else [_OOV]
        return (special if include_special_tokens else []) + list(self._tokens)

    def vocabulary_size(self) -> int:
        """The number of ids, special tokens included."""
        return self._token_start() + len(self._tokens)

    def set_vocabulary(self, vocabulary, idf_weights=None) -> None:
        """Sets the vocabulary (a list, tuple or 1-D array of strings, or the path of a text
        file with one token a line) and, for output_mode="tf_idf", the IDF weights (one per
        entry of `vocabulary`), as Keras: the special tokens may lead the list in their order
        ("", "[UNK]" for int output) and are otherwise added; a repeated token, "" elsewhere, or
        more than max_tokens ids raise ValueError."""
        who = self._who()
        if self.output_mode == "tf_idf" and idf_weights is None:
            raise ValueError(f"{who}: `idf_weights` must be set if output_mode is 'tf_idf'.")
        if self.output_mode != "tf_idf" and idf_weights is not None:
            raise ValueError(
                f"{who}: `idf_weights` should only be set if output_mode is 'tf_idf'. "
                f"Received: output_mode={self.output_mode} and idf_weights={idf_weights}"
            )
        if isinstance(vocabulary, (str, bytes)):
            if self.output_mode == "tf_idf":
                raise ValueError(
                    f"{who}: output_mode 'tf_idf' does not support loading a vocabulary from file."
                )
            try:
                with open(vocabulary, encoding="utf-8") as f:
                    vocabulary = f.read().splitlines()
            except OSError as e:
                raise ValueError(f"{who}: Vocabulary file {vocabulary} does not exist.") from e
        tokens = [self._as_str(t) for t in np.asarray(vocabulary, dtype=object).reshape(-1)]
        if not tokens:
            raise ValueError(
                f"{who}: Cannot set an empty vocabulary. Received: vocabulary={vocabulary}"
            )
        special = self.get_vocabulary()[: self._token_start()]
        found_special = tokens[: len(special)] == special
        if found_special:
            tokens = tokens[len(special) :]
        repeated = [t for t, c in collections.Counter(tokens).items() if c > 1]
        if repeated:
            raise ValueError(
                f"{who}: The passed vocabulary has at least one repeated term. Please uniquify "
                f"your dataset. The repeated terms are: {repeated}"
            )
        if _MASK in tokens:
            raise ValueError(
                f"{who}: Found reserved mask token '' at unexpected location in `vocabulary`. "
                f"Either remove all mask and OOV tokens, or include them only at the start of "
                f"the vocabulary in precisely this order: {special}."
            )
        if self.max_tokens is not None and self._token_start() + len(tokens) > self.max_tokens:
            raise ValueError(
                f"{who}: Attempted to set a vocabulary larger than the maximum vocab size. "
                f"Received vocabulary size is {self._token_start() + len(tokens)}; "
                f"`max_tokens` is {self.max_tokens}."
            )
        idf = None
        if idf_weights is not None:
            weights = np.asarray(idf_weights, dtype=np.float64)
            if weights.ndim != 1:
                raise ValueError(f"{who}: TF-IDF data must be a 1-index array.")
            expected = len(tokens) + (len(special) if found_special else 0)
            if len(weights) != expected:
                raise ValueError(
                    f"{who}: `idf_weights` must be the same length as vocabulary. "
                    f"len(idf_weights) is {len(weights)}; len(vocabulary) is {expected}"
                )
            front = 0 if found_special else len(special)
            idf = np.concatenate([np.full(front, np.average(weights)), weights])
        self._store(tokens, None if idf is None else idf.astype(np.float32))

    def _store(self, tokens: list, idf) -> None:
        self._tokens = list(tokens)
        start = self._token_start()
        self._index = {t: start + i for i, t in enumerate(self._tokens)}
        # "" (padding) is 0 for int output and dropped (-1) from the counts of the others
        self._index[_MASK] = 0 if self.output_mode == "int" else -1
        if idf is not None and self.pad_to_max_tokens:
            idf = np.concatenate([idf, np.zeros(self.max_tokens - len(idf), np.float32)])
        self._idf = idf
        self._has_vocabulary = True

    def _as_str(self, value) -> str:
        if isinstance(value, bytes):
            return value.decode("utf-8")
        if isinstance(value, (str, np.str_)):
            return str(value)
        raise TypeError(
            f"{self._who()}: expected strings, got an element of type {type(value).__name__} "
            f"({value!r})"
        )

    # ---- adapt -------------------------------------------------------------------------------
    def adapt(self, data, batch_size=None, steps=None) -> None:
        """Builds the vocabulary from `data`, as Keras: a list, tuple or numpy array of strings
        (shape (n,) or (n, 1)), or an iterable of such batches (a generator; `steps` limits how
        many are read). Tokens are ordered by count, ties by the token (UTF-8 bytes), both
        descending; "" and "[UNK]" are left out; at most max_tokens ids in all. For "tf_idf",
        each token's weight is log(1 + documents / (1 + documents holding it)), "[UNK]"'s the
        mean of those."""
        who = self._who()
        if self._has_input_vocabulary:
            raise ValueError(
                f"Cannot adapt layer '{self.name}' after setting a static vocabulary via "
                f"`vocabulary` argument or `set_vocabulary()` method."
            )
        if batch_size is not None:
            raise UnsupportedArgumentError(
                f"{who}: adapt(batch_size=...) is not supported (as in Keras 3, which ignores "
                f"it); pass batches as an iterable"
            )
        if _is_symbolic(data):
            raise self._symbolic_error()
        if isinstance(data, (list, tuple, np.ndarray, str, bytes)):
            strings = self._strings(data)
            # Keras adapts an (n,) array as (n, 1): a standardize callable sees that shape
            batches = [strings[:, None] if strings.ndim == 1 else strings]
        elif hasattr(data, "__iter__"):
            batches = data
        else:
            raise TypeError(
                f"{who}: adapt() takes a list or numpy array of strings, or an iterable of "
                f"batches of them; got {type(data).__name__}"
            )
        counts: collections.Counter = collections.Counter()
        document_counts: collections.Counter = collections.Counter()
        documents = 0
        for i, batch in enumerate(batches):
            if steps is not None and i >= steps:
                break
            rows = self._rows(self._preprocess(batch))
            for row in rows:
                counts.update(row)
                if self.output_mode == "tf_idf":
                    document_counts.update(set(row))
            documents += len(rows)
        for special in (_MASK, _OOV):
            counts.pop(special, None)
        if not counts:
            return  # Keras keeps the vocabulary it had when adapt() saw no token
        ranked = sorted(counts, key=lambda t: (counts[t], t.encode("utf-8")), reverse=True)
        if self.max_tokens:
            ranked = ranked[: self.max_tokens - self._token_start()]
        idf = None
        if self.output_mode == "tf_idf":
            df = np.array([document_counts[t] for t in ranked], dtype=np.float64)
            weights = np.log(1 + documents / (1 + df)).astype(np.float32)
            idf = np.concatenate([[weights.mean(dtype=np.float32)], weights]).astype(np.float32)
        self._store(ranked, idf)

    # ---- the string steps ------------------------------------------------------------------
    def _symbolic_error(self) -> NotImplementedError:
        return NotImplementedError(
            f"{self._who()}: TextVectorization cannot run inside a nerve model (models carry "
            f"float tensors, not strings). Vectorize the strings first, ids = "
            f"vectorize_layer(texts), and feed the ids to the model (Keras's 'option 2': "
            f"x = Input(shape=(sequence_length,)); x = Embedding(...)(x) ...)"
        )

    def _strings(self, inputs) -> np.ndarray:
        """The input as a numpy array of str (object dtype keeps long strings cheap)."""
        if _is_symbolic(inputs):
            raise self._symbolic_error()
        if isinstance(inputs, (str, bytes, np.str_, np.bytes_)):
            return np.array(self._as_str(inputs), dtype=object)
        array = np.asarray(inputs, dtype=object)
        flat = [self._as_str(v) for v in array.reshape(-1)]
        out = np.empty(len(flat), dtype=object)
        out[:] = flat
        return out.reshape(array.shape)

    def _preprocess(self, inputs):
        """Standardize, split, n-grams. Returns (rows, shape): one token list per string and
        the shape they came in (the squeezed last axis removed), or, for split=None, the
        standardized strings as a numpy array."""
        strings = self._strings(inputs)
        if callable(self.standardize):
            result = np.asarray(self.standardize(strings.astype(str)), dtype=object)
            if result.shape != strings.shape:
                raise ValueError(
                    f"{self._who()}: the standardize callable must return the shape it was "
                    f"given, {strings.shape}; got {result.shape}"
                )
            strings = self._strings(result)
        elif self.standardize is not None:
            lower = self.standardize in ("lower", "lower_and_strip_punctuation")
            strip = self.standardize in ("strip_punctuation", "lower_and_strip_punctuation")
            flat = strings.reshape(-1)
            for i, s in enumerate(flat):
                if lower:
                    s = s.translate(_ASCII_LOWER)
                if strip:
                    s = s.translate(_STRIP_PUNCTUATION)
                flat[i] = s
        if self.split is None:
            return strings
        if strings.ndim > 1:
            if strings.shape[-1] != 1:
                raise ValueError(
                    f"{self._who()}: When using `TextVectorization` to tokenize strings, the "
                    f"input rank must be 1 or the last shape dimension must be 1. Received: "
                    f"inputs.shape={strings.shape} with rank={strings.ndim}"
                )
            strings = strings[..., 0]
        shape = strings.shape
        flat = list(strings.reshape(-1))
        if self.split == "whitespace":
            rows = [_split_whitespace(s) for s in flat]
        elif self.split == "character":
            rows = [list(s) for s in flat]
        else:
            given = np.array(flat, dtype=str) if flat else np.array([], dtype=str)
            rows = [[self._as_str(t) for t in row] for row in self.split(given)]
            if len(rows) != len(flat):
                raise ValueError(
                    f"{self._who()}: the split callable must return one list of tokens per "
                    f"string ({len(flat)}); got {len(rows)}"
                )
        if self._widths is not None:
            rows = [
                [" ".join(row[i : i + w]) for w in self._widths for i in range(len(row) - w + 1)]
                for row in rows
            ]
        return rows, shape

    @staticmethod
    def _rows(preprocessed) -> list:
        if isinstance(preprocessed, np.ndarray):  # split=None: one token per string
            return [[s] for s in preprocessed.reshape(-1)]
        return preprocessed[0]

    # ---- calling -----------------------------------------------------------------------------
    def _ids(self, tokens) -> list:
        """The ids of tokens: out-of-vocabulary ones get the "[UNK]" id."""
        get, oov = self._index.get, self._token_start() - 1
        return [get(t, oov) for t in tokens]

    def __call__(self, inputs, *args, **kwargs):
        if args or kwargs:
            raise TypeError(
                f"{self._who()}: takes only the strings, got the extra arguments "
                f"{list(kwargs) or len(args)}"
            )
        preprocessed = self._preprocess(inputs)
        if self.output_mode == "int":
            return self._int_output(preprocessed)
        if not self._has_vocabulary and not self.pad_to_max_tokens:
            raise RuntimeError(
                f"{self._who()}: When using `output_mode={self.output_mode}` and "
                f"`pad_to_max_tokens=False`, you must set the layer's vocabulary before calling "
                f"it. Either pass a `vocabulary` argument to the layer, or call `adapt` with "
                f"some sample data."
            )
        rows, shape = preprocessed
        if len(shape) == 0:
            raise UnsupportedArgumentError(
                f"{self._who()}: output_mode={self.output_mode!r} on a single string is not "
                f"supported; pass a list of strings"
            )
        depth = self.max_tokens if self.pad_to_max_tokens else self.vocabulary_size()
        out = np.zeros((len(rows), depth), dtype=np.float32)
        for r, row in enumerate(rows):
            ids = [i for i in self._ids(row) if 0 <= i < depth]
            np.add.at(out[r], ids, 1.0)
        if self.output_mode == "multi_hot":
            out = np.minimum(out, 1.0)
        elif self.output_mode == "tf_idf":
            if self._idf is None:
                raise ValueError(
                    f"{self._who()}: When `output_mode` is 'tf_idf', `idf_weights` must be "
                    f"provided (adapt() the layer or pass a vocabulary with idf_weights)"
                )
            out = out * self._idf[:depth]
        return out.reshape(shape + (depth,))

    def _int_output(self, preprocessed) -> np.ndarray:
        length = self.output_sequence_length
        if isinstance(preprocessed, np.ndarray):  # split=None: the strings' own shape
            ids = np.array(self._ids(preprocessed.reshape(-1)), dtype=np.int64)
            ids = ids.reshape(preprocessed.shape)
            if length is None:
                return ids
            if ids.ndim == 0:
                raise ValueError(
                    f"{self._who()}: output_sequence_length with split=None needs an array of "
                    f"strings, got a single string"
                )
            ids = ids[..., :length]
            pad = [(0, 0)] * (ids.ndim - 1) + [(0, length - ids.shape[-1])]
            return np.pad(ids, pad)
        rows, shape = preprocessed
        width = length if length is not None else max((len(r) for r in rows), default=0)
        out = np.zeros((len(rows), width), dtype=np.int64)
        # one flat lookup, then scattered into the rows (a per-row loop costs twice as much)
        kept = [row[:width] for row in rows]
        lengths = np.fromiter(map(len, kept), dtype=np.int64, count=len(kept))
        ids = self._ids(t for row in kept for t in row)
        row_of = np.repeat(np.arange(len(kept)), lengths)
        column = np.arange(len(ids)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        out[row_of, column] = ids
        return out.reshape(shape + (width,))

    def _require_core(self, where: str) -> None:
        raise self._symbolic_error()

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return (input_shape[0], self.output_sequence_length)
        depth = self.max_tokens if self.pad_to_max_tokens else self.vocabulary_size()
        return (input_shape[0], depth)

    # ---- config ------------------------------------------------------------------------------
    def get_config(self) -> dict:
        config = super().get_config()
        idf = None
        if self._idf is not None:
            idf = [float(v) for v in self._idf[: self.vocabulary_size()]]
        config.update(
            max_tokens=self.max_tokens,
            standardize=self.standardize,
            split=self.split,
            ngrams=self.ngrams,
            output_mode=self.output_mode,
            output_sequence_length=self.output_sequence_length,
            pad_to_max_tokens=self.pad_to_max_tokens,
            sparse=False,
            ragged=False,
            vocabulary=self.get_vocabulary() if self._has_vocabulary else None,
            idf_weights=idf,
            encoding=self.encoding,
            vocabulary_size=self.vocabulary_size(),
        )
        return config

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        if isinstance(config.get("ngrams"), list):
            config["ngrams"] = tuple(config["ngrams"])
        return cls(**config)


__all__ = ["TextVectorization"]
