"""Masking and padding guide: Embedding(mask_zero=True) feeding an LSTM; the padded steps are
skipped, so a padded sequence gives the same output as the unpadded one."""

import numpy as np
import keras
from keras import layers

model = keras.Sequential(
    [
        keras.Input(shape=(6,)),
        layers.Embedding(input_dim=20, output_dim=4, mask_zero=True),
        layers.LSTM(5),
        layers.Dense(1, activation="sigmoid"),
    ]
)
rng = np.random.default_rng(6)
model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in model.get_weights()])

raw_inputs = [[7, 3, 12], [5, 9, 1, 17, 2, 4], [11, 6, 8, 14]]
padded_inputs = keras.utils.pad_sequences(raw_inputs, padding="post", maxlen=6)
out_padded = model.predict(padded_inputs, verbose=0)
unpadded = keras.Sequential(
    [
        keras.Input(shape=(3,)),
        layers.Embedding(20, 4),
        layers.LSTM(5),
        layers.Dense(1, activation="sigmoid"),
    ]
)
unpadded.set_weights(model.get_weights())
out_first = unpadded.predict(np.array([raw_inputs[0]]), verbose=0)
np.testing.assert_allclose(out_padded[0], out_first[0], rtol=1e-5)

model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="binary_crossentropy")
history = model.fit(
    padded_inputs, np.array([[1.0], [0.0], [1.0]]), epochs=3, shuffle=False, verbose=0
)
results = {
    "padded_inputs": padded_inputs,
    "out_padded": out_padded,
    "loss": history.history["loss"],
}
