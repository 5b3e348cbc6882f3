"""Identity against Keras 3: the input unchanged, its gradient passed through, a padding mask
carried to the next layer, saved and exported like any layer, and one input only."""

import os

import numpy as np
import pytest

import nerve
from nerve import layers as L

os.environ.setdefault("KERAS_BACKEND", "jax")
keras = pytest.importorskip("keras")

from _keras_diff import twin_models  # noqa: E402

pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)


def test_returns_its_input_and_passes_the_gradient():
    x = np.random.default_rng(0).normal(size=(2, 3, 4)).astype(np.float32)
    np.testing.assert_array_equal(np.asarray(L.Identity()(x)), x)
    t = nerve.Tensor(x)
    g = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    with nerve.GradientTape() as tape:
        tape.watch(t)
        y = L.Identity()(t)
    np.testing.assert_array_equal(tape.gradient(y, t, output_gradients=nerve.Tensor(g)), g)


def test_the_mask_passes_through_as_keras():
    # Keras's Identity supports masking: GlobalAveragePooling1D after it averages unmasked steps
    def build(lib):
        return lib.Sequential(
            [
                lib.Input((5,)),
                lib.layers.Embedding(7, 3, mask_zero=True),
                lib.layers.Identity(),
                lib.layers.GlobalAveragePooling1D(),
            ]
        )

    k, n = twin_models(build)
    ids = np.array([[1, 2, 0, 0, 0], [4, 5, 6, 1, 0]], np.float32)
    want = np.asarray(k(ids))
    np.testing.assert_allclose(n.predict(ids, verbose=0), want, rtol=1e-6)
    table = n.layers[0].get_weights()[0]
    np.testing.assert_allclose(want[0], table[[1, 2]].mean(0), rtol=1e-6)


def test_saved_model_loads_in_keras_and_back(tmp_path):
    model = nerve.Sequential([nerve.Input((4,)), L.Dense(3), L.Identity(name="skip"), L.Dense(2)])
    x = np.random.default_rng(1).normal(size=(5, 4)).astype(np.float32)
    path = str(tmp_path / "m.keras")
    model.save(path)
    k = keras.saving.load_model(path)
    assert type(k.layers[1]).__name__ == "Identity" and k.layers[1].name == "skip"
    np.testing.assert_allclose(np.asarray(k(x)), model.predict(x, verbose=0), rtol=1e-5)
    back = nerve.models.load_model(path)
    np.testing.assert_array_equal(back.predict(x, verbose=0), model.predict(x, verbose=0))


def test_one_input_only_and_no_arguments():
    a, b = L.Input((3,)), L.Input((3,))
    with pytest.raises(ValueError, match=r"Identity 'identity.*' takes 1 input, got 2"):
        L.Identity()([a, b])
    with pytest.raises(ValueError, match=r"Identity.*units"):
        L.Identity(units=3)
