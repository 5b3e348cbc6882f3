"""Smoke test of an installed nerve wheel (run by .ci/wheel, in a fresh venv without a compiler).

Imports nerve from site-packages (not a checkout), trains a small classifier to high accuracy,
saves and reloads it, and checks the wheel ships its type information and one version."""

import importlib.metadata
import os
import tempfile
from pathlib import Path

import numpy as np

import nerve
from nerve import layers

package = Path(nerve.__file__).parent
assert "site-packages" in str(package), f"nerve imported from {package}, not the installed wheel"
assert (package / "py.typed").is_file() and (package / "_core" / "__init__.pyi").is_file()
assert importlib.metadata.version("nerve") == nerve.__version__ == nerve._core.__version__
print("nerve", nerve.__version__, nerve.config()["isa"], "threads:", nerve.num_threads())

nerve.utils.set_random_seed(0)
rng = np.random.default_rng(0)
x = rng.standard_normal((1000, 8)).astype("float32")
y = (x[:, 0] * x[:, 1] > 0).astype("int64")  # XOR of two signs: needs the hidden layer
model = nerve.Sequential(
    [nerve.Input((8,)), layers.Dense(32, activation="relu"), layers.Dense(2, activation="softmax")]
)
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x, y, batch_size=32, epochs=30, verbose=0)
accuracy = model.evaluate(x, y, verbose=0)[1]
assert accuracy > 0.9, f"accuracy {accuracy:.3f} after training"
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "m.nerve")
    model.save(path)
    np.testing.assert_array_equal(nerve.models.load_model(path).predict(x), model.predict(x))
print(f"wheel smoke: trained to accuracy {accuracy:.3f}, saved and reloaded: ok")
