"""Recurrent layers guide: return_sequences, return_state, and initial_state passing an encoder
LSTM's final states to a decoder LSTM (sequence to sequence)."""

import numpy as np
import keras
from keras import layers

encoder_input = keras.Input(shape=(4, 3))
encoder_output, state_h, state_c = layers.LSTM(5, return_state=True, name="encoder")(encoder_input)
decoder_input = keras.Input(shape=(3, 2))
decoder_output = layers.LSTM(5, return_sequences=True, name="decoder")(
    decoder_input, initial_state=[state_h, state_c]
)
output = layers.Dense(1)(layers.SimpleRNN(4, return_sequences=True)(decoder_output))
model = keras.Model([encoder_input, decoder_input], output)
rng = np.random.default_rng(41)
model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32") for w in model.get_weights()])
xe = rng.normal(size=(2, 4, 3)).astype("float32")
xd = rng.normal(size=(2, 3, 2)).astype("float32")
results = {"out": model.predict([xe, xd], verbose=0), "shape": list(model.output_shape)}
