"""Serialization docs: get_config / from_config rebuild a model (and a layer) without weights;
set_weights makes the copy compute the same thing."""

import numpy as np
import keras
from keras import layers

model = keras.Sequential(
    [
        keras.Input(shape=(4,)),
        layers.Dense(3, activation="relu", name="d1"),
        layers.Dense(2, activation="sigmoid", use_bias=False, name="d2"),
    ]
)
rng = np.random.default_rng(19)
model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in model.get_weights()])
config = model.get_config()
new_model = keras.Sequential.from_config(config)
new_model.set_weights(model.get_weights())
x = rng.normal(size=(5, 4)).astype("float32")
np.testing.assert_allclose(new_model.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)

inputs = keras.Input(shape=(3,), name="in")
outputs = layers.Dense(2, name="out")(layers.Dense(4, activation="tanh", name="mid")(inputs))
functional = keras.Model(inputs, outputs, name="fn")
functional_copy = keras.Model.from_config(functional.get_config())
assert [l.name for l in functional_copy.layers] == ["in", "mid", "out"]

layer = layers.Dense(7, activation="relu", use_bias=False, name="my_dense")
layer_config = layer.get_config()
layer_copy = layers.Dense.from_config(layer_config)
results = {
    "layer_names": [l.name for l in new_model.layers],
    "units": [layer_copy.units, layer_config["units"]],
    "activation": layer_config["activation"],
    "use_bias": layer_config["use_bias"],
    "name": layer_copy.name,
    "n_functional_weights": len(functional_copy.weights),
    "functional_output_shape": list(functional_copy.output_shape),
}
