"""Text classification from indices: Embedding, GlobalAveragePooling1D, Dense sigmoid (the
classic IMDB layout), and a Conv1D + MaxPooling1D variant."""

import numpy as np
import keras
from keras import layers

rng = np.random.default_rng(35)
x = rng.integers(1, 50, size=(16, 12))
y = rng.integers(0, 2, size=(16, 1)).astype("float32")
model = keras.Sequential(
    [
        keras.Input(shape=(12,)),
        layers.Embedding(50, 8),
        layers.GlobalAveragePooling1D(),
        layers.Dense(4, activation="relu"),
        layers.Dense(1, activation="sigmoid"),
    ]
)
model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in model.get_weights()])
model.compile(
    optimizer=keras.optimizers.Adam(learning_rate=0.01),
    loss="binary_crossentropy",
    metrics=["accuracy"],
)
history = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)

conv = keras.Sequential(
    [
        keras.Input(shape=(12,)),
        layers.Embedding(50, 8),
        layers.Conv1D(6, 3, activation="relu"),
        layers.MaxPooling1D(2),
        layers.Conv1D(4, 3, padding="same", activation="relu"),
        layers.GlobalAveragePooling1D(),
        layers.Dense(1, activation="sigmoid"),
    ]
)
conv.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in conv.get_weights()])
results = {
    "loss": history.history["loss"],
    "accuracy": history.history["accuracy"],
    "conv_out": conv.predict(x, verbose=0),
    "conv_shape": list(conv.output_shape),
}
