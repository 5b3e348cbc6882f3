"""compile(weighted_metrics=...): those metrics use sample_weight, plain metrics do not."""

import numpy as np
import keras
from keras import layers

model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(1)])
rng = np.random.default_rng(51)
model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in model.get_weights()])
model.compile(
    optimizer=keras.optimizers.SGD(learning_rate=0.05),
    loss="mse",
    metrics=["mae"],
    weighted_metrics=["mae"],
)
x = rng.normal(size=(12, 3)).astype("float32")
y = rng.normal(size=(12, 1)).astype("float32")
w = np.linspace(0.1, 2.0, 12).astype("float32")
evaluation = model.evaluate(x, y, sample_weight=w, verbose=0, return_dict=True)
history = model.fit(x, y, sample_weight=w, batch_size=4, epochs=2, shuffle=False, verbose=0)
results = {"evaluation": evaluation, "history": history.history}
