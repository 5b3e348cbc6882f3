"""Short scripts written the way the Keras 3 guides and API docs use the API, run unchanged in
nerve apart from their import lines, and compared with Keras 3 itself.

Each script is one file in keras_snippets/. It starts with the Keras imports (KERAS_IMPORTS);
the nerve run swaps those two lines for NERVE_IMPORTS and changes nothing else. A script puts
what it computed into a dict named `results` (numbers, arrays, strings, lists), and may assert
its own expectations (numpy references, e.g. a Dense layer is x @ W + b); those run under both
libraries. Weights are set explicitly from numpy in the scripts (never left to the
initializers) and fit runs with shuffle=False, so the two libraries compute the same thing.

Then the same script runs under real Keras 3 (JAX backend) and every entry of `results` must
match: exactly for strings, ints and bools, to TOLERANCES (default rtol 1e-5) for floats. Keras
writes model files only under the .keras extension (weights: .weights.h5), so for the Keras run
a file name ending in ".nerve" is given ".keras" instead, ".weights.nerve" ".weights.h5" (nerve
refuses Keras' extensions, as it cannot write those formats). Without Keras
installed only the scripts' own assertions run.

A few scripts cannot run under Keras on JAX (custom loops with GradientTape are TensorFlow
only); NERVE_ONLY names them and says what they are checked against instead. XFAIL lists the
scripts nerve fails today (strict), CRASHES those that crash it (run in a child process first).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nerve

# Keras' own warnings in its runs (deprecations, generators, an optimizer saved before it was
# built), not nerve's.
pytestmark = pytest.mark.filterwarnings(
    "ignore::DeprecationWarning",
    "ignore:`shuffle=True` was passed:UserWarning",
    "ignore:Your input ran out of data:UserWarning",
    "ignore:Skipping variable loading:UserWarning",
)

SNIPPETS = Path(__file__).resolve().parent / "keras_snippets"
KERAS_IMPORTS = "import keras\nfrom keras import layers\n"
NERVE_IMPORTS = "import nerve as keras\nfrom nerve import layers\n"

# (rtol, atol) for a script whose float32 rounding differences (they grow with each training
# step) outgrow the default; none so far: every script matches Keras to rtol 1e-5, atol 1e-6.
TOLERANCES = {}

NERVE_ONLY = {
    "train_step_override": "Keras 3 on JAX has no GradientTape (the guide's train_step is "
    "TensorFlow's); the script checks that fit calls it once per batch",
    "custom_training_loop": "Keras 3 on JAX has no GradientTape (the guide's loop is TensorFlow's);"
    " the script checks itself against the same SGD steps in numpy",
}

# Scripts that fail in nerve today, with why. strict: each fails the suite once fixed, so the
# mark gets removed.
XFAIL: dict = {}


# Scripts that crash the interpreter in nerve today run in a child process first, so the crash
# fails only their test.
CRASHES: set = set()


def _crash_check(name: str, workdir: Path) -> None:
    workdir.mkdir()
    package_root = str(Path(nerve.__file__).resolve().parents[1])
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            [package_root] + [p for p in [os.environ.get("PYTHONPATH")] if p]
        ),
    }
    child = subprocess.run(
        [sys.executable, "-c", _source(name, "nerve")],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if child.returncode < 0:
        pytest.fail(f"{name}.py crashed nerve (signal {-child.returncode})")


def _names():
    return sorted(p.stem for p in SNIPPETS.glob("*.py"))


def _source(name: str, framework: str) -> str:
    text = (SNIPPETS / f"{name}.py").read_text()
    assert text.count(KERAS_IMPORTS) == 1, f"{name}.py must import keras exactly as KERAS_IMPORTS"
    if framework == "nerve":
        return text.replace(KERAS_IMPORTS, NERVE_IMPORTS, 1)
    return text.replace('.weights.nerve"', '.weights.h5"').replace('.nerve"', '.keras"')


def _run(name: str, framework: str, workdir: Path) -> dict:
    workdir.mkdir()
    cwd = os.getcwd()
    os.chdir(workdir)
    try:
        if framework == "keras":
            # a fresh Keras session, as a script has: Keras numbers default names process-wide
            # (a second Recall() is "recall_1"), which would leak from the other snippets
            import keras

            keras.backend.clear_session()
        namespace = {"__name__": "__main__"}
        exec(compile(_source(name, framework), f"keras_snippets/{name}.py", "exec"), namespace)
    finally:
        os.chdir(cwd)
    results = namespace.get("results")
    assert isinstance(results, dict) and results, f"{name}.py must fill a dict named results"
    return results


def _compare(where, a, b, rtol, atol):
    """nerve's value `a` against Keras' `b`: strings, ints and bools exactly, numbers and arrays
    to (rtol, atol), dicts and lists entry by entry."""
    if isinstance(b, dict):
        assert isinstance(a, dict) and sorted(a) == sorted(b), (
            f"{where}: keys {sorted(a) if isinstance(a, dict) else a!r} vs keras {sorted(b)}"
        )
        for k in b:
            _compare(f"{where}[{k!r}]", a[k], b[k], rtol, atol)
    elif isinstance(b, (list, tuple)) and any(
        isinstance(v, (str, list, tuple, dict, np.ndarray)) for v in b
    ):
        assert isinstance(a, (list, tuple)) and len(a) == len(b), (
            f"{where}: nerve {a!r}, keras {b!r}"
        )
        for i, (u, v) in enumerate(zip(a, b)):
            _compare(f"{where}[{i}]", u, v, rtol, atol)
    elif isinstance(b, (str, bool, int)):
        assert a == b, f"{where}: nerve {a!r}, keras {b!r}"
    else:
        a64, b64 = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
        assert a64.shape == b64.shape, f"{where}: shape {a64.shape} vs keras {b64.shape}"
        np.testing.assert_allclose(a64, b64, rtol=rtol, atol=atol, err_msg=where)


def _params():
    out = []
    for name in _names():
        marks = [pytest.mark.xfail(strict=True, reason=XFAIL[name])] if name in XFAIL else []
        out.append(pytest.param(name, marks=marks, id=name))
    return out


@pytest.mark.parametrize("name", _params())
def test_keras_snippet(name, tmp_path):
    if name in CRASHES:
        _crash_check(name, tmp_path / "child")
    nerve.utils.set_random_seed(0)
    ours = _run(name, "nerve", tmp_path / "nerve")
    if name in NERVE_ONLY:
        return
    os.environ.setdefault("KERAS_BACKEND", "jax")
    try:
        import keras  # noqa: F401
    except ImportError:
        return  # the script's own assertions ran; nothing to compare with
    theirs = _run(name, "keras", tmp_path / "keras")
    rtol, atol = TOLERANCES.get(name, (1e-5, 1e-6))
    _compare(f"{name}: results", ours, theirs, rtol, atol)


def test_every_snippet_is_listed_once():
    names = set(_names())
    assert len(names) >= 30
    for table in (TOLERANCES, NERVE_ONLY, XFAIL, CRASHES):
        assert set(table) <= names, f"unknown snippets {set(table) - names}"


# ---- what the snippets found, checked directly ------------------------------------------------


def test_reusing_a_built_layer_for_another_input_shape_is_refused():
    """The C++ build re-created the weights of a layer built for other inputs (silently). A
    sequence layer at another length keeps them, as Keras does; other feature sizes raise."""
    from nerve import layers

    lstm = layers.LSTM(2)
    nerve.Sequential([nerve.Input((5, 3)), lstm])
    before = lstm.get_weights()
    nerve.Sequential([nerve.Input((4, 3)), lstm])  # another length: the same weights
    with pytest.raises(
        ValueError, match=r"LSTM '.*' was built for inputs of shape \(None, None, 3\)"
    ):
        nerve.Sequential([nerve.Input((4, 5)), lstm])
    for a, b in zip(before, lstm.get_weights()):
        np.testing.assert_array_equal(a, b)
    dense = layers.Dense(2)
    nerve.Sequential([nerve.Input((3,)), dense])
    with pytest.raises(ValueError, match="Dense"):
        nerve.Sequential([nerve.Input((4,)), dense])


def test_symbolic_recurrent_call_with_mask_is_refused():
    from nerve import layers

    x = nerve.Input((4, 3))
    with pytest.raises(NotImplementedError, match="mask="):
        layers.LSTM(2)(x, mask=np.ones((1, 4)))


def test_layer_shapes_with_a_batch_axis():
    from nerve import layers

    dense = layers.Dense(3)
    dense.build((None, 4))
    assert [w.shape for w in dense.get_weights()] == [(4, 3), (3,)]
    assert dense.compute_output_shape((None, 4)) == (None, 3)
    assert dense.compute_output_shape((4,)) == (3,)


def test_pad_sequences_matches_keras():
    cases = [
        {},
        {"padding": "post"},
        {"maxlen": 2},
        {"maxlen": 2, "truncating": "post"},
        {"maxlen": 5, "padding": "post", "value": -1},
    ]
    seqs = [[1, 2, 3], [4], [], [5, 6]]
    expected = [
        [[1, 2, 3], [0, 0, 4], [0, 0, 0], [0, 5, 6]],
        [[1, 2, 3], [4, 0, 0], [0, 0, 0], [5, 6, 0]],
        [[2, 3], [0, 4], [0, 0], [5, 6]],
        [[1, 2], [0, 4], [0, 0], [5, 6]],
        [[1, 2, 3, -1, -1], [4, -1, -1, -1, -1], [-1] * 5, [5, 6, -1, -1, -1]],
    ]
    for kwargs, want in zip(cases, expected):
        got = nerve.utils.pad_sequences(seqs, **kwargs)
        assert got.dtype == np.int32
        np.testing.assert_array_equal(got, want, err_msg=str(kwargs))
    with pytest.raises(ValueError, match="padding"):
        nerve.utils.pad_sequences(seqs, padding="middle")


def test_mean_metric_is_refused_by_compile():
    from nerve import layers

    model = nerve.Sequential([nerve.Input((2,)), layers.Dense(1)])
    with pytest.raises(ValueError, match="Mean 'loss'.*cannot be a compile"):
        model.compile(optimizer="sgd", loss="mse", metrics=[nerve.metrics.Mean(name="loss")])
