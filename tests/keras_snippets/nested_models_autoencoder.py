"""Functional API guide: models are callable like layers. An encoder and a decoder model are
composed into an autoencoder; training the autoencoder trains the shared layers."""

import numpy as np
import keras
from keras import layers

encoder_input = keras.Input(shape=(6,), name="original")
encoder_output = layers.Dense(2, activation="tanh", name="code")(encoder_input)
encoder = keras.Model(encoder_input, encoder_output, name="encoder")
decoder_input = keras.Input(shape=(2,), name="encoded")
decoder_output = layers.Dense(6, name="reconstruction")(decoder_input)
decoder = keras.Model(decoder_input, decoder_output, name="decoder")

autoencoder_input = keras.Input(shape=(6,), name="img")
encoded = encoder(autoencoder_input)
decoded = decoder(encoded)
autoencoder = keras.Model(autoencoder_input, decoded, name="autoencoder")
rng = np.random.default_rng(40)
encoder.set_weights(
    [rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in encoder.get_weights()]
)
decoder.set_weights(
    [rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in decoder.get_weights()]
)
x = rng.normal(size=(16, 6)).astype("float32")
np.testing.assert_allclose(
    autoencoder.predict(x, verbose=0),
    decoder.predict(encoder.predict(x, verbose=0), verbose=0),
    rtol=1e-5,
)
autoencoder.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
history = autoencoder.fit(x, x, batch_size=4, epochs=2, shuffle=False, verbose=0)
results = {
    "loss": history.history["loss"],
    "codes": encoder.predict(x, verbose=0),
    "n_trainable": len(autoencoder.trainable_weights),
}
