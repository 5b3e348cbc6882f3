"""The convolutional denoising autoencoder of the Keras examples, scaled down: Conv2D and
MaxPooling2D down, two Conv2DTranspose with strides=2 up (plus UpSampling2D bilinear and
Cropping2D), a sigmoid Conv2D out, trained with fit on binary cross-entropy."""

import numpy as np
import keras
from keras import layers

inputs = layers.Input(shape=(8, 8, 1))
x = layers.Conv2D(6, (3, 3), activation="relu", padding="same")(inputs)
x = layers.MaxPooling2D((2, 2), padding="same")(x)
x = layers.Conv2D(6, (3, 3), activation="relu", padding="same")(x)
x = layers.MaxPooling2D((2, 2), padding="same")(x)
x = layers.Conv2DTranspose(6, (3, 3), strides=2, activation="relu", padding="same")(x)
x = layers.UpSampling2D((2, 2), interpolation="bilinear")(x)
x = layers.Conv2DTranspose(4, (3, 3), strides=1, activation="relu", output_padding=0)(x)
x = layers.Cropping2D(((1, 1), (1, 1)))(x)
outputs = layers.Conv2D(1, (3, 3), activation="sigmoid", padding="same")(x)
autoencoder = keras.Model(inputs, outputs)

rng = np.random.default_rng(15)
autoencoder.set_weights(
    [rng.uniform(-0.4, 0.4, w.shape).astype("float32") for w in autoencoder.get_weights()]
)
clean = rng.uniform(0, 1, size=(16, 8, 8, 1)).astype("float32")
noisy = np.clip(clean + 0.4 * rng.normal(size=clean.shape), 0, 1).astype("float32")
autoencoder.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="binary_crossentropy")
history = autoencoder.fit(noisy, clean, epochs=3, batch_size=4, shuffle=False, verbose=0)

results = {
    "loss": history.history["loss"],
    "reconstruction": autoencoder.predict(noisy[:3], verbose=0),
    "output_shape": list(autoencoder.output_shape),
    "weight_shapes": [list(w.shape) for w in autoencoder.get_weights()],
}
