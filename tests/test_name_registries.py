"""Each name table (activations, losses, initializers) is written once, in C++, and Python builds
its tables, aliases and error messages from it; each setting is checked once, in C++, and the
check reaches Python as a ValueError naming the argument. These tests fail when a name list is
restated (in Python, or diverging from C++) or a check is lost."""

import ast
import inspect
import math
from pathlib import Path

import pytest

import nerve
from nerve import _core, activations, initializers, losses, metrics, optimizers, regularizers
from nerve.optimizers import schedules

NERVE_SOURCES = Path(nerve.__file__).parent


def test_python_accepts_exactly_the_cpp_activation_names():
    accepted = set(activations.NAMES) | set(activations._ALIASES)
    # threshold is the one activation without a name-only form (no defaults for its arguments)
    assert accepted == set(_core.activation_names()) | {"threshold"}
    for name in _core.activation_names():
        canonical = _core.activation_canonical_name(name)
        assert activations.get(name) == canonical
        assert getattr(activations, name) is activations.get(canonical)  # aliases are the same
    assert activations.get("swish") is activations.silu
    assert activations.get("hard_swish") is activations.hard_silu
    assert set(activations._ROW_WISE) == {"softmax", "log_softmax", "glu", "sparsemax"}
    # the one parameter a layer passes with a name, at Keras's default: only C++ holds it
    alphas = {n: _core.activation_default_alpha(n) for n in _core.activation_names()}
    assert {n: a for n, a in alphas.items() if a != 0.0} == pytest.approx(
        {"leaky_relu": 0.2, "elu": 1.0, "celu": 1.0, "soft_shrink": 0.5, "hard_shrink": 0.5,
         "squareplus": 4.0}
    )  # fmt: skip


def test_python_accepts_exactly_the_cpp_loss_names():
    """The names of the C++ losses and their classes, plus those of the losses written on
    nerve.ops (losses._PYTHON_BY_NAME), which must not shadow a C++ one."""
    class_names = {cls.__name__ for cls in losses._CLASSES}
    cpp_names = set(_core.loss_names()) | class_names
    assert not cpp_names & set(losses._PYTHON_BY_NAME)
    assert set(losses._BY_NAME) == cpp_names | set(losses._PYTHON_BY_NAME)
    assert {cls.name for cls in losses._CLASSES} == {
        _core.loss_canonical_name(n) for n in _core.loss_names()
    }
    for name in _core.loss_names():
        assert losses.get(name).name == _core.loss_canonical_name(name)
        assert getattr(losses, name).__name__ == _core.loss_canonical_name(name)  # mse, kld, ...
    assert isinstance(losses.get("mse"), losses.MeanSquaredError)
    assert isinstance(losses.get("MeanAbsoluteError"), losses.MeanAbsoluteError)


def test_python_accepts_exactly_the_cpp_initializer_names():
    class_names = {cls.__name__ for cls in initializers._CLASSES}
    # and the initializers computed in Python only (refused by built-in layers), Keras's aliases
    python_only = {n for c in initializers._PYTHON_ONLY for n in (c.name, c.__name__)}
    aliases = {"IdentityInitializer", "OrthogonalInitializer"}
    assert set(initializers._BY_NAME) == (
        set(_core.initializer_names()) | class_names | python_only | aliases
    )
    assert {cls.name for cls in initializers._CLASSES} == set(_core.initializer_names())
    for name in _core.initializer_names():
        assert initializers.get(name).name == name
    assert isinstance(initializers.get("glorot_uniform"), initializers.GlorotUniform)
    assert isinstance(initializers.get("GlorotUniform"), initializers.GlorotUniform)


def test_python_accepts_exactly_the_cpp_metric_kinds():
    kinds = set(_core.MetricKind.__members__)
    assert set(metrics._BY_NAME) == kinds | {"mae", "mse"}  # Keras's two aliases
    for name in kinds:
        cls = metrics._BY_NAME[name]
        if any(
            p.default is inspect.Parameter.empty for p in inspect.signature(cls).parameters.values()
        ):  # PrecisionAtRecall, MeanIoU, ...: as in Keras, the name alone cannot make one
            with pytest.raises(TypeError):
                metrics.get(name)
            continue
        assert metrics.get(name).name == name  # the default name is the kind's
        assert type(metrics.get(name))().name == name


@pytest.mark.parametrize(
    "get,bad,names",
    [
        (activations.get, "relu7", _core.activation_names()),
        (losses.get, "cross_entropy", _core.loss_names()),
        (initializers.get, "glorot", _core.initializer_names()),
    ],
)
def test_unknown_names_list_every_valid_name(get, bad, names):
    with pytest.raises(ValueError, match="Valid names") as info:
        get(bad)
    message = str(info.value)
    assert all(name in message for name in names)


def test_cpp_errors_list_every_valid_name():
    with pytest.raises(ValueError, match="valid names") as info:
        _core.Loss("cross_entropy", False, 0.0, 1.0)
    assert all(name in str(info.value) for name in _core.loss_names())
    assert "mean_squared_error (mse)" in str(info.value)
    with pytest.raises(ValueError, match="valid names") as info:
        _core.Initializer("glorot")
    assert all(name in str(info.value) for name in _core.initializer_names())


# Modules whose name-keyed literals are not lists of the names nerve accepts, each with its reason.
NOT_NAME_LISTS = {
    # what each activation becomes in ONNX: a translation per name, not the accepted names (an
    # activation without an entry is refused by name; tests/test_onnx_export.py tries them all)
    "nerve/onnx/activations.py": "ONNX translation table",
    "nerve/onnx/recurrent.py": "ONNX translation table",
    # the four activations the Playground page offers, as TensorFlow Playground does
    "nerve/playground/session.py": "the page's choice of activations",
}


def _string_collections(path: Path):
    """(line, strings) for each tuple, list, set or dict literal of a module: its string
    elements (a dict's keys)."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Dict):
            elements = node.keys
        elif isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            elements = node.elts
        else:
            continue
        strings = {
            e.value for e in elements if isinstance(e, ast.Constant) and isinstance(e.value, str)
        }
        if strings:
            yield node.lineno, strings


@pytest.mark.parametrize(
    "what,registry",
    [
        ("activation", _core.activation_names()),
        ("loss", _core.loss_names()),
        ("initializer", _core.initializer_names()),
        ("metric", list(_core.MetricKind.__members__)),
    ],
)
def test_no_python_module_restates_a_cpp_name_list(what, registry):
    """A literal holding three or more of a registry's names is a restated table: build it from
    nerve._core.<kind>_names() instead."""
    restated = [
        f"{path.relative_to(NERVE_SOURCES.parent)}:{line}"
        for path in sorted(NERVE_SOURCES.rglob("*.py"))
        if str(path.relative_to(NERVE_SOURCES.parent)) not in NOT_NAME_LISTS
        for line, strings in _string_collections(path)
        if len(strings & set(registry)) >= 3
    ]
    assert not restated, f"{what} names restated at {restated}"


@pytest.mark.parametrize(
    "make,match",
    [
        (lambda: losses.BinaryCrossentropy(label_smoothing=1.5), "label_smoothing must be in"),
        (lambda: losses.CategoricalCrossentropy(label_smoothing=-0.1), "label_smoothing"),
        (lambda: losses.Huber(delta=0), "delta must be a positive number"),
        (lambda: losses.Huber(delta=math.inf), "delta must be a positive number"),
        (lambda: schedules.ExponentialDecay(0.1, 0, 0.5), "ExponentialDecay: decay_steps must"),
        (lambda: schedules.CosineDecay(0.1, -3), "CosineDecay: decay_steps must be > 0"),
        (lambda: schedules.CosineDecay(0.1, 10, warmup_steps=-1), "warmup_steps must be >= 0"),
        (lambda: schedules.PiecewiseConstantDecay([1, 2], [0.1]), "one more element"),
        (lambda: optimizers.SGD(clipnorm=-1.0), "SGD: clipnorm must be"),
        (lambda: optimizers.Adam(clipvalue=math.inf), "Adam: clipvalue must be"),
        (lambda: optimizers.AdamW(global_clipnorm=-2), "AdamW: global_clipnorm must be"),
        (lambda: optimizers.RMSprop(weight_decay=-0.1), "RMSprop: weight_decay must be"),
        (lambda: optimizers.Adam(clipnorm=1.0, clipvalue=0.5), "only one of clipnorm"),
        (lambda: initializers.RandomNormal(stddev=-1), "stddev must be >= 0"),
        (lambda: initializers.TruncatedNormal(stddev=-1), "stddev must be >= 0"),
        (lambda: regularizers.L1(-0.1), "L1: l1 must be a non-negative number"),
        (lambda: regularizers.L1L2(0.0, math.nan), "L1L2: l2 must be a non-negative number"),
    ],
)
def test_each_setting_is_checked_in_cpp_and_named(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_wrong_types_name_the_argument():
    with pytest.raises(TypeError, match="SGD: clipnorm must be a number or None"):
        optimizers.SGD(clipnorm="big")
    with pytest.raises(TypeError, match="L2: l1 and l2 must be numbers"):
        regularizers.L2("big")
