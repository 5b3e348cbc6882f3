"""Self-checking model files. `save` stores a small input batch ("check/input_<i>.npy") and the
outputs the model gave on it ("check/output_<k>.npy"), listed in "check.json" with the tolerance;
loading (here, and nerve::io::load_model in C++) runs the batch again and raises ModelFileError
when the outputs differ: a file whose weights or architecture no longer mean what they meant
(corrupt beyond what the CRCs catch, or read by a nerve that computes the model differently).

The batch must be a valid input: an input read by an Embedding gets integer ids in
[0, input_dim); others get standard-normal values; a length left open (None) gets 4. If the
model cannot run on that batch, zeros are tried; a model that runs on neither is saved without a
check (loading it then checks nothing)."""

from __future__ import annotations

import numpy as np

from ..errors import ModelFileError

ENTRY = "check.json"
SAMPLES = 2
OPEN_LENGTH = 4
# |loaded - saved| <= ATOL + RTOL * |saved|: wide enough for another ISA's or thread count's
# summation order (about 1e-6 relative), far below what a changed weight or layer gives.
ATOL, RTOL = 1e-4, 1e-3


def _is_embedding(layer) -> bool:
    # by its C++ class (subclasses included): nerve.layers imports saving, not the reverse
    return getattr(layer, "core_type", None) == "Embedding"


def _embedding_reading(model, i: int):
    """The Embedding layer reading model input `i` directly, if any."""
    graph = getattr(model, "_graph", None)
    if graph is not None:
        kt = graph.inputs[i]
        for node in graph.nodes:
            if _is_embedding(node.layer) and any(x is kt for x in node.inputs):
                return node.layer
        return None
    layers = getattr(model, "layers", [])
    return layers[0] if layers and _is_embedding(layers[0]) else None


def _batches(model):
    """Candidate check batches: sampled, then zeros."""
    rng = np.random.default_rng(20260101)  # its own generator: saving leaves every RNG alone
    shapes = [
        (SAMPLES,) + tuple(OPEN_LENGTH if d is None else d for d in s) for s in model._input_shapes
    ]
    sampled = []
    for i, shape in enumerate(shapes):
        embedding = _embedding_reading(model, i)
        if embedding is not None:
            sampled.append(rng.integers(0, embedding.input_dim, size=shape).astype(np.float32))
        else:
            sampled.append(rng.standard_normal(shape).astype(np.float32))
    yield sampled
    yield [np.zeros(s, np.float32) for s in shapes]


def _predict(model, xs):
    # A run may change the model's state (a custom layer's assign_add counting calls, even at
    # inference): the check must leave the model as it found it, so its state is put back.
    state = [(w, np.array(w)) for w in model.weights]
    try:
        out = model.predict(xs if len(xs) > 1 else xs[0], batch_size=SAMPLES, verbose=0)
    finally:
        for w, saved in state:
            np.asarray(w)[...] = saved
    return [np.asarray(o, np.float32) for o in (out if isinstance(out, list) else [out])]


# A model that cannot run on a synthetic batch is saved without a check, never refused.
_CANNOT_RUN = (ValueError, TypeError, IndexError, RuntimeError, AttributeError, NotImplementedError)


def make(model):
    """(inputs, outputs) to store, or None when the model runs on no synthetic batch."""
    try:
        candidates = list(_batches(model))
    except _CANNOT_RUN:
        return None
    for xs in candidates:
        try:
            return xs, _predict(model, xs)
        except _CANNOT_RUN:
            continue
    return None


def entries(check, array_bytes, json_bytes):
    """The file entries (name, producer) of a check made by make()."""
    xs, ys = check
    inputs = [f"check/input_{i}.npy" for i in range(len(xs))]
    outputs = [f"check/output_{k}.npy" for k in range(len(ys))]
    for name, a in zip(inputs + outputs, xs + ys):
        yield name, (lambda a=a: array_bytes(a))
    yield (
        ENTRY,
        lambda: json_bytes({"inputs": inputs, "outputs": outputs, "atol": ATOL, "rtol": RTOL}),
    )


def verify(reader, model) -> None:
    """Runs the stored batch and compares (nothing to do for a file saved without one)."""
    if not reader.has(ENTRY):
        return
    spec = reader.json(ENTRY)
    if not isinstance(spec, dict) or not all(
        k in spec for k in ("inputs", "outputs", "atol", "rtol")
    ):
        raise ModelFileError(
            f"{reader.path} is corrupt: {ENTRY} lacks inputs, outputs or tolerances"
        )
    xs = [reader.array(name) for name in spec["inputs"]]
    want = [reader.array(name) for name in spec["outputs"]]
    try:
        got = _predict(model, xs)
    except (ValueError, TypeError, RuntimeError) as e:
        raise ModelFileError(
            f"{reader.path} fails its self-check: the input batch stored at save does not run "
            f"({e}); the file is corrupt (load with verify=False to skip the check)"
        ) from None
    if len(got) != len(want):
        raise ModelFileError(
            f"{reader.path} fails its self-check: the model gives {len(got)} outputs, the file "
            f"stored {len(want)}"
        )
    for k, (g, w) in enumerate(zip(got, want)):
        if g.shape != w.shape or not np.allclose(
            g, w, atol=spec["atol"], rtol=spec["rtol"], equal_nan=True
        ):
            worst = float(np.max(np.abs(g - w))) if g.shape == w.shape else float("nan")
            raise ModelFileError(
                f"{reader.path} fails its self-check: on the input batch stored at save, output "
                f"{k} now is {g.shape} with largest difference {worst:.3g} from what it was "
                f"when saved {w.shape} (tolerance {spec['atol']} + {spec['rtol']} * |saved|): "
                f"the file is corrupt or this nerve computes the model differently (load with "
                f"verify=False to skip the check)"
            )
