"""Sequential guide / transfer learning: a new Sequential made of a trained model's layers but
the last, plus a new head. The reused layers keep (and share) their weights."""

import numpy as np
import keras
from keras import layers

model = keras.Sequential(
    [
        keras.Input(shape=(5,)),
        layers.Dense(8, activation="relu"),
        layers.Dense(6, activation="relu"),
        layers.Dense(2),
    ]
)
rng = np.random.default_rng(15)
model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in model.get_weights()])
new_model = keras.Sequential([keras.Input(shape=(5,))] + model.layers[:-1])
new_model.add(layers.Dense(3, activation="softmax"))
new_model.layers[-1].set_weights(
    [rng.uniform(-0.5, 0.5, (6, 3)).astype("float32"), np.zeros(3, "float32")]
)
assert new_model.layers[0] is model.layers[0]
x = rng.normal(size=(4, 5)).astype("float32")
out = new_model.predict(x, verbose=0)
new_model.layers[0].set_weights([w * 0 for w in new_model.layers[0].get_weights()])
assert np.all(model.layers[0].get_weights()[0] == 0)  # shared, not copied
results = {
    "out": out,
    "n_layers": len(new_model.layers),
    "n_weights": len(new_model.weights),
    "zeroed": model.predict(x, verbose=0),
}
