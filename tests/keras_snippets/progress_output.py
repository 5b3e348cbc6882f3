"""fit / evaluate with verbose=1 print Keras' progress bar; the step counts and the
logged values (not the timings) are compared."""

import contextlib
import io
import re

import numpy as np
import keras
from keras import layers

model = keras.Sequential([keras.Input(shape=(2,)), layers.Dense(1)])
model.set_weights([np.array([[0.3], [-0.2]], "float32"), np.zeros(1, "float32")])
model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse", metrics=["mae"])
x = np.linspace(-1, 1, 20, dtype="float32").reshape(10, 2)
y = np.ones((10, 1), "float32")


def shown(fn):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        fn()
    text = re.sub(r"\x1b\[[0-9;]*m", "", out.getvalue())  # colours
    text = text.replace("\r", "\n").replace("\x08", "")
    last = [line for line in text.splitlines() if re.search(r"\d+/\d+", line)][-1]
    steps = re.search(r"(\d+/\d+)", last).group(1)
    values = re.findall(r"(\w+): (-?[\d.]+e?[-+]?\d*)", last)
    return [steps] + [f"{name}={float(v):.4f}" for name, v in values]


results = {
    "evaluate": shown(lambda: model.evaluate(x, y, batch_size=4, verbose=1)),
    "fit": shown(lambda: model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=1)),
}
