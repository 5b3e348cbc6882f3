"""LayerNormalization docs: normalises each sample over the last axis (epsilon 1e-3), then
gamma and beta; inside a small sequence model."""

import numpy as np
import keras
from keras import layers

norm = layers.LayerNormalization()
data = np.arange(10, dtype="float32").reshape(5, 2) * 10
out = np.asarray(norm(data))
expected = (data - data.mean(1, keepdims=True)) / np.sqrt(data.var(1, keepdims=True) + 1e-3)
np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)
model = keras.Sequential(
    [
        keras.Input(shape=(4, 6)),
        layers.Dense(8),
        layers.LayerNormalization(epsilon=1e-5),
        layers.Dense(2),
    ]
)
rng = np.random.default_rng(49)
model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in model.get_weights()])
results = {
    "out": out,
    "seq": model.predict(rng.normal(size=(3, 4, 6)).astype("float32"), verbose=0),
}
