"""Optimizers docs: clipnorm / clipvalue / global_clipnorm, weight_decay (AdamW), momentum and
nesterov, each trained for a few steps from the same weights."""

import numpy as np
import keras
from keras import layers

rng = np.random.default_rng(42)
x = rng.normal(size=(16, 4)).astype("float32") * 3
y = rng.normal(size=(16, 2)).astype("float32")
start = [rng.uniform(-0.5, 0.5, s).astype("float32") for s in [(4, 8), (8,), (8, 2), (2,)]]
optimizers = {
    "sgd_clipnorm": keras.optimizers.SGD(learning_rate=0.1, clipnorm=0.5),
    "sgd_clipvalue": keras.optimizers.SGD(learning_rate=0.1, clipvalue=0.05),
    "sgd_nesterov": keras.optimizers.SGD(learning_rate=0.05, momentum=0.9, nesterov=True),
    "adam_global_clipnorm": keras.optimizers.Adam(learning_rate=0.01, global_clipnorm=1.0),
    "adamw": keras.optimizers.AdamW(learning_rate=0.01, weight_decay=0.1),
    "rmsprop": keras.optimizers.RMSprop(learning_rate=0.01, momentum=0.5),
    "adagrad": keras.optimizers.Adagrad(learning_rate=0.1),
    "nadam": keras.optimizers.Nadam(learning_rate=0.01),
}
results = {}
for name, optimizer in optimizers.items():
    model = keras.Sequential(
        [keras.Input(shape=(4,)), layers.Dense(8, activation="tanh"), layers.Dense(2)]
    )
    model.set_weights(start)
    model.compile(optimizer=optimizer, loss="mse")
    history = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    results[name] = model.get_weights()[0]
    results[name + "_loss"] = history.history["loss"]
