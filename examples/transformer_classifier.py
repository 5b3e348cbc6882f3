"""A 2-block transformer encoder classifying MNIST images as sequences of 28 row tokens
(or Fashion-MNIST with --dataset fashion_mnist). >= 97% test accuracy on MNIST (measured on the
AVX-512 path; other paths round differently: README, "Determinism").

Two ways to build the same network:
  --api functional  (default) the Keras functional API: Input -> Dense -> position embedding ->
                    2 x [MultiHeadAttention + Add + LayerNormalization + FFN + Add +
                    LayerNormalization] -> GlobalAveragePooling1D -> Dense. Needs nerve.Model
                    over symbolic tensors and the Add merge layer.
  --api sequential  the same encoder blocks as the composite TransformerEncoder layer in a
                    Sequential model (runs on any nerve with the sequence layers).

Run: python examples/transformer_classifier.py [--api sequential] [--epochs 8]
"""

import argparse
import os

import nerve
from nerve import layers

parser = argparse.ArgumentParser()
parser.add_argument("--api", choices=["functional", "sequential"], default="functional")
parser.add_argument("--dataset", choices=["mnist", "fashion_mnist"], default="mnist")
parser.add_argument("--epochs", type=int, default=8)
parser.add_argument("--batch-size", type=int, default=64)
parser.add_argument("--train-samples", type=int, default=60000)
args = parser.parse_args()
QUICK = os.environ.get("NERVE_QUICK") == "1"  # CI smoke run: a few hundred samples, one epoch
if QUICK:
    args.epochs, args.train_samples = 1, 512

D, HEADS, KEY_DIM, FF, DROPOUT, STEPS = 64, 4, 16, 128, 0.1, 28


def encoder_block(x):
    """One post-norm encoder block with the functional API (what TransformerEncoder does in C++)."""
    attn = layers.MultiHeadAttention(HEADS, KEY_DIM, dropout=DROPOUT)(x, x)
    x = layers.LayerNormalization(epsilon=1e-5)(layers.Add()([x, attn]))
    ff = layers.Dense(FF, activation="relu")(x)
    ff = layers.Dense(D)(ff)
    ff = layers.Dropout(DROPOUT)(ff)
    return layers.LayerNormalization(epsilon=1e-5)(layers.Add()([x, ff]))


def functional_model():
    inputs = nerve.Input((STEPS, 28))
    x = layers.Dense(D)(inputs)  # each row of pixels becomes a token embedding
    x = layers.PositionEmbedding(STEPS)(x)
    x = encoder_block(x)
    x = encoder_block(x)
    x = layers.GlobalAveragePooling1D()(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    return nerve.Model(inputs, outputs)


def sequential_model():
    return nerve.Sequential(
        [
            nerve.Input((STEPS, 28)),
            layers.Dense(D),
            layers.PositionEmbedding(STEPS),
            layers.TransformerEncoder(HEADS, KEY_DIM, FF, dropout=DROPOUT),
            layers.TransformerEncoder(HEADS, KEY_DIM, FF, dropout=DROPOUT),
            layers.GlobalAveragePooling1D(),
            layers.Dense(10, activation="softmax"),
        ]
    )


nerve.utils.set_random_seed(0)
data = getattr(nerve.datasets, args.dataset)
(x_train, y_train), (x_test, y_test) = data.load_data()
x_train = x_train[: args.train_samples].astype("float32") / 255.0
y_train = y_train[: args.train_samples]
x_test = x_test.astype("float32") / 255.0
if QUICK:
    x_test, y_test = x_test[:256], y_test[:256]

model = functional_model() if args.api == "functional" else sequential_model()
model.summary()
model.compile(
    optimizer=nerve.optimizers.Adam(1e-3),
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)
model.fit(
    x_train,
    y_train,
    batch_size=args.batch_size,
    epochs=args.epochs,
    validation_data=(x_test[:2000], y_test[:2000]),
)
loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
print(f"test loss {loss:.4f} - test accuracy {accuracy:.4f}")
