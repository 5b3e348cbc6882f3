"""One Playground session: its settings, its data, and a small network that trains in nerve's C++
engine. The page asks for frames; each frame is what the page draws (the output and every
neuron over the input plane, the weights, the losses), computed here with one predict call."""

from __future__ import annotations

import base64
import math
import time

import numpy as np

from .. import layers, optimizers, regularizers
from ..errors import NonFiniteLossError
from ..models import Model
from ..utils import set_random_seed
from . import datasets
from .features import FEATURES, check_features, feature_matrix

ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")
REGULARIZATIONS = ("none", "L1", "L2")
MAX_LAYERS = 6
MAX_NEURONS = 8
RESOLUTION = 48  # heat map cells per side (the neurons' maps take every other one)
HISTORY_POINTS = 300  # at most this many loss points go to the page

DEFAULTS = {
    "dataset": "circle",
    "noise": 0,
    "train_percent": 50,
    "n_points": 500,
    "seed": 0,
    "features": ["x1", "x2"],
    "hidden": [4, 2],
    "activation": "tanh",
    "learning_rate": 0.03,
    "regularization": "none",
    "regularization_rate": 0.0,
    "batch_size": 10,
}


class SettingsError(ValueError):
    """Settings the Playground cannot train with; the message is shown on the page."""


def _number(settings, key, lo, hi, integer=False, lo_open=False):
    v = settings[key]
    ok = not isinstance(v, bool) and isinstance(v, (int, float)) and math.isfinite(v)
    if ok and integer:
        ok = float(v).is_integer()
    if ok:
        ok = (lo < v if lo_open else lo <= v) and v <= hi
    if not ok:
        kind = "a whole number" if integer else "a number"
        low = f"above {lo:g}" if lo_open else f"from {lo:g}"
        raise SettingsError(f"{key.replace('_', ' ')} must be {kind} {low} to {hi:g}, got {v!r}")
    return int(v) if integer else float(v)


def check_settings(settings: dict) -> dict:
    """Settings with every key checked (defaults filled in); SettingsError names what is wrong."""
    if not isinstance(settings, dict):
        raise SettingsError(f"settings must be a JSON object, got {type(settings).__name__}")
    unknown = sorted(set(settings) - set(DEFAULTS))
    if unknown:
        raise SettingsError(f"unknown setting(s): {', '.join(unknown)}")
    s = {**DEFAULTS, **settings}
    if s["dataset"] not in datasets.DATASETS:
        raise SettingsError(
            f"unknown data set {s['dataset']!r}; choose one of: {', '.join(datasets.DATASETS)}"
        )
    s["noise"] = _number(s, "noise", 0, 50)
    s["train_percent"] = _number(s, "train_percent", 0, 100, lo_open=True)
    if s["train_percent"] >= 100:
        raise SettingsError("train percent must leave some points to test: use 1 to 99")
    s["n_points"] = _number(s, "n_points", 10, 5000, integer=True)
    s["seed"] = _number(s, "seed", 0, 2**31 - 1, integer=True)
    try:
        s["features"] = check_features(s["features"])
    except ValueError as e:
        raise SettingsError(str(e)) from None
    hidden = s["hidden"]
    if not isinstance(hidden, (list, tuple)) or len(hidden) > MAX_LAYERS:
        raise SettingsError(f"hidden layers: a list of at most {MAX_LAYERS} sizes, got {hidden!r}")
    for i, n in enumerate(hidden):
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise SettingsError(
                f"hidden layer {i + 1} has {n!r} neurons: a layer needs at least one neuron "
                f"(remove the layer instead)"
            )
        if n > MAX_NEURONS:
            raise SettingsError(
                f"hidden layer {i + 1} has {n} neurons; the Playground draws at most {MAX_NEURONS}"
            )
    s["hidden"] = list(hidden)
    if s["activation"] not in ACTIVATIONS:
        raise SettingsError(
            f"unknown activation {s['activation']!r}; choose one of: {', '.join(ACTIVATIONS)}"
        )
    if s["learning_rate"] == 0:
        raise SettingsError("learning rate 0: the network would never change; use more than 0")
    s["learning_rate"] = _number(s, "learning_rate", 0, 100, lo_open=True)
    if s["regularization"] not in REGULARIZATIONS:
        raise SettingsError(
            f"unknown regularization {s['regularization']!r}; choose one of: "
            f"{', '.join(REGULARIZATIONS)}"
        )
    s["regularization_rate"] = _number(s, "regularization_rate", 0, 10)
    s["batch_size"] = _number(s, "batch_size", 1, 1000, integer=True)
    return s


def _encode(values: np.ndarray) -> str:
    """Values in [-1, 1] as base64 bytes (0 = -1, 255 = +1): a heat map in a few kilobytes."""
    values = np.nan_to_num(values, nan=0.0, posinf=1.0, neginf=-1.0)
    b = np.round((np.clip(values, -1, 1) + 1) * 127.5).astype(np.uint8)
    return base64.b64encode(b.tobytes()).decode("ascii")


def _small_maps(values: np.ndarray) -> list:
    """Per column of values at the grid cells, a map of every other cell, each on its own
    scale (|v| <= 1 as is, larger divided by the largest), so an unbounded relu neuron or an
    x1² feature still shows its shape."""
    half = slice(None, None, 2)
    maps = np.asarray(values, dtype=np.float64).reshape(RESOLUTION, RESOLUTION, -1)[half, half]
    maps = np.nan_to_num(maps, nan=0.0, posinf=1e300, neginf=-1e300)
    scale = np.maximum(1.0, np.abs(maps).max(axis=(0, 1)))
    return [_encode(maps[:, :, j] / scale[j]) for j in range(maps.shape[2])]


def plane_grid(resolution: int = RESOLUTION) -> np.ndarray:
    """(resolution², 2) cell centres of the input plane, row by row from the top (x2 high)
    to the bottom, each row from left (x1 low) to right."""
    e = datasets.EXTENT
    step = 2 * e / resolution
    centres = -e + step * (np.arange(resolution) + 0.5)
    xx, yy = np.meshgrid(centres, centres[::-1])
    return np.column_stack([xx.ravel(), yy.ravel()]).astype(np.float32)


class Session:
    """Data, network and training state behind one Playground page."""

    def __init__(self, settings: dict | None = None):
        self.settings = check_settings(settings or {})
        self.error = None  # the last training error (divergence), shown on the page
        self._grid = plane_grid()
        self._make_data()
        self.reset()

    # ---- settings and data ---------------------------------------------------------------

    def configure(self, changes: dict) -> None:
        """Applies changed settings (a partial dict). A change of learning rate or batch size
        keeps the network training; any other change starts a fresh network. Bad settings raise
        SettingsError and leave the session as it was."""
        new = check_settings({**self.settings, **changes})
        old, self.settings = self.settings, new
        data_keys = ("dataset", "noise", "train_percent", "n_points", "seed")
        if any(new[k] != old[k] for k in data_keys):
            self._make_data()
        live = ("learning_rate", "batch_size")
        if any(new[k] != old[k] for k in new if k not in live):
            self.reset()
        elif new["learning_rate"] != old["learning_rate"]:
            self.model.optimizer.learning_rate = new["learning_rate"]

    @property
    def regression(self) -> bool:
        return datasets.is_regression(self.settings["dataset"])

    def _make_data(self) -> None:
        s = self.settings
        pts, labels = datasets.generate(s["dataset"], s["n_points"], s["noise"], s["seed"])
        (self.x_train_pts, self.y_train), (self.x_test_pts, self.y_test) = datasets.split(
            pts, labels, s["train_percent"]
        )

    # ---- the network ---------------------------------------------------------------------

    def reset(self) -> None:
        """A fresh network (new initial weights drawn from the seed and the reset count) with
        the current settings; the epoch count and the loss history start again. It seeds nerve
        with nerve.utils.set_random_seed (numpy's and Python's global generators too, as Keras
        does), so the same settings give the same network."""
        s = self.settings
        self._resets = getattr(self, "_resets", -1) + 1
        set_random_seed(s["seed"] * 1000 + self._resets)
        reg = None
        if s["regularization"] != "none" and s["regularization_rate"] > 0:
            cls = regularizers.L1 if s["regularization"] == "L1" else regularizers.L2
            reg = cls(s["regularization_rate"])
        inputs = layers.Input(shape=(len(s["features"]),))
        x, outs = inputs, []
        for i, n in enumerate(s["hidden"]):
            x = layers.Dense(
                n, activation=s["activation"], kernel_regularizer=reg, name=f"hidden{i + 1}"
            )(x)
            outs.append(x)
        out_activation = "linear" if self.regression else "sigmoid"
        out = layers.Dense(1, activation=out_activation, kernel_regularizer=reg, name="output")(x)
        self.model = Model(inputs, out)
        self.model.compile(
            optimizer=optimizers.SGD(learning_rate=s["learning_rate"]),
            loss="mse" if self.regression else "binary_crossentropy",
        )
        # Same layers, every layer's output: one predict gives each neuron's heat map.
        self._probe = Model(inputs, [*outs, out])
        self._features_train = feature_matrix(self.x_train_pts, s["features"])
        self._features_test = feature_matrix(self.x_test_pts, s["features"])
        self._features_grid = feature_matrix(self._grid, s["features"])
        self.epoch = 0
        self.history = []  # (epoch, training loss, test loss) per frame
        self.error = None
        self._epoch_seconds = None
        self._rate = 0.0
        self._frame_outputs = None

    def train(self, epochs: int) -> None:
        """`epochs` passes over the training points, in nerve's C++ engine."""
        if epochs <= 0 or self.error:
            return
        t0 = time.perf_counter()
        try:
            self.model.fit(
                self._features_train,
                self.y_train[:, None],
                batch_size=self.settings["batch_size"],
                epochs=epochs,
                verbose=0,
                shuffle=True,
            )
        except NonFiniteLossError:
            self.error = (
                f"training diverged at epoch {self.epoch + 1}: the loss became NaN or infinite. "
                f"Lower the learning rate and press reset."
            )
            return
        elapsed = time.perf_counter() - t0
        self.epoch += epochs
        self._epoch_seconds = elapsed / epochs
        steps = epochs * math.ceil(len(self.y_train) / self.settings["batch_size"])
        self._rate = steps / max(elapsed, 1e-9)
        self._frame_outputs = None

    def train_for(self, seconds: float) -> None:
        """Trains for about `seconds` of wall time: as many epochs as fit, in few fit calls."""
        deadline = time.perf_counter() + seconds
        while not self.error:
            left = deadline - time.perf_counter()
            if left <= 0:
                break
            per_epoch = self._epoch_seconds or left
            # At most half of what is left per call, so one slow call cannot overshoot by much.
            self.train(max(1, int(0.5 * left / per_epoch)) if self._epoch_seconds else 1)

    # ---- what the page draws -------------------------------------------------------------

    def _outputs(self) -> list:
        """Every layer's outputs at the grid, the training points and the test points."""
        if self._frame_outputs is None:
            x = np.concatenate([self._features_grid, self._features_train, self._features_test])
            outs = self._probe.predict(x, batch_size=len(x), verbose=0)
            self._frame_outputs = [np.asarray(o, dtype=np.float64) for o in outs]
        return self._frame_outputs

    def losses(self) -> tuple:
        """(training loss, test loss) of the current network, without the regularization
        penalty: binary cross-entropy for classification, mean squared error for regression."""
        out = self._outputs()[-1][len(self._grid) :, 0]
        n = len(self.y_train)
        return self._loss(out[:n], self.y_train), self._loss(out[n:], self.y_test)

    def _loss(self, pred: np.ndarray, target: np.ndarray) -> float:
        target = target.astype(np.float64)
        if self.regression:
            return float(np.mean((pred - target) ** 2))
        p = np.clip(pred, 1e-7, 1 - 1e-7)
        return float(-np.mean(target * np.log(p) + (1 - target) * np.log(1 - p)))

    def output_map(self) -> np.ndarray:
        """(RESOLUTION, RESOLUTION) output over the plane, in [-1, 1] (classification: 2p - 1,
        so -1 is class 0 and +1 class 1)."""
        out = self._outputs()[-1][: len(self._grid), 0]
        if not self.regression:
            out = 2 * out - 1
        return out.reshape(RESOLUTION, RESOLUTION)

    def frame(self) -> dict:
        """What the page draws now; also records the losses in the history."""
        outs = self._outputs()
        train_loss, test_loss = self.losses()
        if not (math.isfinite(train_loss) and math.isfinite(test_loss)) and not self.error:
            # Finite steps can still grow the weights until the outputs overflow.
            self.error = (
                f"the network's outputs overflowed at epoch {self.epoch}. Lower the learning "
                f"rate and press reset."
            )
        if not self.history or self.history[-1][0] != self.epoch:
            self.history.append((self.epoch, train_loss, test_loss))
        g = len(self._grid)
        weights = self._probe.get_weights()
        hist = self.history
        if len(hist) > HISTORY_POINTS:
            idx = np.linspace(0, len(hist) - 1, HISTORY_POINTS).round().astype(int)
            hist = [hist[i] for i in idx]

        def finite(v):  # JSON has no NaN or Infinity: such a loss goes as null
            return round(v, 6) if math.isfinite(v) else None

        return {
            "epoch": self.epoch,
            "train_loss": finite(train_loss),
            "test_loss": finite(test_loss),
            "history": [[e, finite(a), finite(b)] for e, a, b in hist],
            "steps_per_second": round(self._rate),
            "output": _encode(self.output_map()),
            "resolution": RESOLUTION,
            "neuron_resolution": RESOLUTION // 2,
            "network": self._resets,
            "neurons": [_small_maps(o[:g]) for o in outs[:-1]],
            "weights": [np.round(w, 4).tolist() for w in weights[0::2]],
            "biases": [np.round(b, 4).tolist() for b in weights[1::2]],
            "error": self.error,
        }

    def state(self) -> dict:
        """Settings and data points (sent when they change) with the current frame."""

        def points(x, y):
            labels = y if self.regression else 2 * y - 1  # -1 orange, +1 blue
            return np.round(np.column_stack([x, labels]), 3).tolist()

        return {
            "settings": self.settings,
            "regression": self.regression,
            "extent": datasets.EXTENT,
            "train": points(self.x_train_pts, self.y_train),
            "test": points(self.x_test_pts, self.y_test),
            "feature_maps": dict(
                zip(FEATURES, _small_maps(feature_matrix(self._grid, list(FEATURES))))
            ),
            "frame": self.frame(),
        }


def options() -> dict:
    """The choices the page offers."""
    return {
        "datasets": list(datasets.DATASETS),
        "regression": list(datasets.REGRESSION),
        "features": list(FEATURES),
        "activations": list(ACTIVATIONS),
        "regularizations": list(REGULARIZATIONS),
        "max_layers": MAX_LAYERS,
        "max_neurons": MAX_NEURONS,
        "defaults": DEFAULTS,
    }
