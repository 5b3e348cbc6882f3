"""Model docs: what evaluate() and predict() return: a scalar loss without metrics, a list
[loss, *metrics] with metrics, a dict with return_dict=True; predict returns an array for one
output and a list for a list of outputs; metrics_names."""

import numpy as np
import keras
from keras import layers

rng = np.random.default_rng(24)
x = rng.normal(size=(10, 3)).astype("float32")
y = rng.normal(size=(10, 2)).astype("float32")
model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(2)])
model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in model.get_weights()])
model.compile(optimizer="sgd", loss="mse")
loss_only = model.evaluate(x, y, verbose=0)
assert isinstance(loss_only, float)
model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
with_metrics = model.evaluate(x, y, verbose=0)
as_dict = model.evaluate(x, y, verbose=0, return_dict=True)
predictions = model.predict(x, verbose=0)
np.testing.assert_allclose(with_metrics[0], np.mean((predictions - y) ** 2), rtol=1e-5)

inputs = keras.Input(shape=(3,))
out_1 = layers.Dense(1, name="first")(inputs)
out_2 = layers.Dense(2, name="second")(inputs)
two = keras.Model(inputs, [out_1, out_2])
two.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in two.get_weights()])
two.compile(optimizer="sgd", loss=["mse", "mae"])
two_eval = two.evaluate(x, [y[:, :1], y], verbose=0)
two_dict = two.evaluate(x, [y[:, :1], y], verbose=0, return_dict=True)
two_pred = two.predict(x, verbose=0)
results = {
    "loss_only": loss_only,
    "with_metrics": with_metrics,
    "as_dict": as_dict,
    "dict_keys": sorted(as_dict),
    "predictions": predictions,
    "two_eval": two_eval,
    "two_dict": two_dict,
    "two_dict_keys": sorted(two_dict),
    "two_pred_types": [type(two_pred).__name__, len(two_pred)],
    "two_pred_0": two_pred[0],
    "two_pred_1": two_pred[1],
}
