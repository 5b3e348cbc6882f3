"""Transfer learning guide: freeze a pretrained base (base_model.trainable = False), train a new
head on top, then check the base did not move and the head did."""

import numpy as np
import keras
from keras import layers

rng = np.random.default_rng(2)
base_model = keras.Sequential(
    [
        keras.Input(shape=(8,)),
        layers.Dense(6, activation="relu"),
        layers.Dense(4, activation="relu"),
    ],
    name="base",
)
base_model.set_weights(
    [rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in base_model.get_weights()]
)
base_model.trainable = False

inputs = keras.Input(shape=(8,))
x = base_model(inputs, training=False)
outputs = layers.Dense(1)(x)
model = keras.Model(inputs, outputs)
model.layers[-1].set_weights(
    [rng.uniform(-0.5, 0.5, (4, 1)).astype("float32"), np.zeros(1, "float32")]
)

results = {
    "trainable_weights": len(model.trainable_weights),
    "non_trainable_weights": len(model.non_trainable_weights),
}
base_before = [w.copy() for w in base_model.get_weights()]
head_before = [w.copy() for w in model.layers[-1].get_weights()]

model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05), loss="mse")
x_train = rng.normal(size=(32, 8)).astype("float32")
y_train = rng.normal(size=(32, 1)).astype("float32")
history = model.fit(x_train, y_train, batch_size=8, epochs=3, shuffle=False, verbose=0)

for before, after in zip(base_before, base_model.get_weights()):
    np.testing.assert_array_equal(before, after)
assert not np.allclose(head_before[0], model.layers[-1].get_weights()[0])
results["loss"] = history.history["loss"]
results["head"] = model.layers[-1].get_weights()[0]
