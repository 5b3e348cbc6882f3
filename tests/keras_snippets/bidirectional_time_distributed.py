"""Recurrent layers guide: Bidirectional(LSTM(return_sequences=True)) stacked under
Bidirectional(GRU), and TimeDistributed(Dense) over a sequence."""

import numpy as np
import keras
from keras import layers

model = keras.Sequential(
    [
        keras.Input(shape=(5, 3)),
        layers.Bidirectional(layers.LSTM(4, return_sequences=True)),
        layers.TimeDistributed(layers.Dense(2, activation="relu")),
        layers.Bidirectional(layers.GRU(3)),
        layers.Dense(1),
    ]
)
rng = np.random.default_rng(30)
model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in model.get_weights()])
x = rng.normal(size=(4, 5, 3)).astype("float32")
y = rng.normal(size=(4, 1)).astype("float32")
out = model.predict(x, verbose=0)
model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05), loss="mse")
history = model.fit(x, y, batch_size=2, epochs=2, shuffle=False, verbose=0)
results = {
    "out": out,
    "loss": history.history["loss"],
    "shapes": [list(w.shape) for w in model.get_weights()],
    "output_shapes": [list(l.compute_output_shape((None, 5, 3))) for l in model.layers[:1]],
}
