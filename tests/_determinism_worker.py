"""One seeded training run in a fresh process, for test_determinism.py: trains the model named on
the command line and writes its weights and loss history to an .npz file.

    python _determinism_worker.py {mlp,cnn,lstm} OUT.npz

The thread count, instruction set and convolution algorithm come from the environment
(OMP_NUM_THREADS, NERVE_ISA, NERVE_CONV_ALGORITHM), as a user would set them.
"""

import sys

import numpy as np

import nerve
from nerve.layers import LSTM, Conv2D, Dense, Dropout, Flatten, MaxPooling2D


def mlp():
    """Dense 256-256-10 with Dropout: GEMMs large enough to use both threads, and the seeded RNG."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((512, 64)).astype(np.float32)
    y = rng.integers(0, 10, 512)
    model = nerve.Sequential(
        [
            nerve.Input((64,)),
            Dense(256, activation="relu"),
            Dropout(0.2),
            Dense(256, activation="relu"),
            Dense(10, activation="softmax"),
        ]
    )
    return model, x, y, 128


def cnn():
    """Two 3x3 stride-1 convolutions (Winograd under 'auto' and 'winograd', else direct)."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((128, 16, 16, 8)).astype(np.float32)
    y = rng.integers(0, 10, 128)
    model = nerve.Sequential(
        [
            nerve.Input((16, 16, 8)),
            Conv2D(16, 3, padding="same", activation="relu"),
            MaxPooling2D(2),
            Conv2D(16, 3, padding="same", activation="relu"),
            Flatten(),
            Dense(10, activation="softmax"),
        ]
    )
    return model, x, y, 64


def lstm():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((256, 12, 16)).astype(np.float32)
    y = rng.integers(0, 10, 256)
    model = nerve.Sequential([nerve.Input((12, 16)), LSTM(64), Dense(10, activation="softmax")])
    return model, x, y, 64


def main(kind: str, out: str) -> None:
    nerve.utils.set_random_seed(1234)
    model, x, y, batch_size = {"mlp": mlp, "cnn": cnn, "lstm": lstm}[kind]()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    history = model.fit(x, y, batch_size=batch_size, epochs=2, shuffle=True, verbose=0)
    weights = {f"w{i}": w for i, w in enumerate(model.get_weights())}
    config = nerve.config()
    np.savez(
        out,
        loss=np.array(history.history["loss"], dtype=np.float64),
        isa=config["isa"],
        threads=config["num_threads"],
        conv_algorithm=nerve.conv_algorithm(),
        **weights,
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
