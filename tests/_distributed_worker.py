"""One rank of the nerve.distributed tests (test_distributed.py starts it under mpirun):
python _distributed_worker.py SCENARIO OUT_DIR. Writes OUT_DIR/rank<r>.npz (the weights before
and after fit, the history) or fails in the way the scenario is about."""

from __future__ import annotations

import os
import signal
import sys
import time

import numpy as np

import nerve
from nerve import layers

PER_RANK_BATCH = 8
GLOBAL_BATCH = 2 * PER_RANK_BATCH
EPOCHS = 2
UNEVEN = 61  # samples: the last global batch (13) splits 6 / 7 between two ranks


def data(kind: str):
    rng = np.random.default_rng(7)
    n = 64
    if kind in ("cnn", "sync_bn_cnn", "bn_cnn"):
        x = rng.normal(size=(n, 8, 8, 2)).astype(np.float32)
    elif kind == "lstm":
        x = rng.normal(size=(n, 5, 3)).astype(np.float32)
    else:
        x = rng.normal(size=(n, 6)).astype(np.float32)
    y = rng.integers(0, 3, size=n).astype(np.float32)
    return x, y


def build(kind: str, width: int = 16):
    if kind == "cnn":
        body = [
            nerve.Input((8, 8, 2)),
            layers.Conv2D(4, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
        ]
    elif kind == "lstm":
        body = [nerve.Input((5, 3)), layers.LSTM(8)]
    elif kind == "bn":
        body = [nerve.Input((6,)), layers.Dense(width), layers.BatchNormalization()]
    elif kind in ("sync_bn_cnn", "bn_cnn"):
        # BatchNormalization per channel (NHWC) after a convolution and per feature after a
        # Dense layer, synchronized over the ranks or not. No bias before it (as usual): its
        # gradient is zero up to rounding, so Adam would move it by noise in any two runs.
        sync = kind == "sync_bn_cnn"
        body = [
            nerve.Input((8, 8, 2)),
            layers.Conv2D(4, 3, use_bias=False),
            layers.BatchNormalization(synchronized=sync, momentum=0.9),
            layers.Activation("relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(width, use_bias=False),
            layers.BatchNormalization(synchronized=sync, momentum=0.9),
            layers.Activation("tanh"),
        ]
    else:
        body = [nerve.Input((6,)), layers.Dense(width, activation="tanh")]
    model = nerve.Sequential([*body, layers.Dense(3, activation="softmax")])
    # SGD for the BatchNormalization CNNs: Adam divides each gradient by its own scale, so a
    # gradient that is near zero through BatchNormalization's cancellations (dy - mean(dy) - ...)
    # turns float rounding of the summation order into steps of up to lr x its relative error:
    # one process with each batch's rows permuted already differs by about 1e-6 there.
    sgd = kind in ("sync_bn_cnn", "bn_cnn")
    model.compile(
        optimizer=nerve.optimizers.SGD(0.05, momentum=0.9) if sgd else nerve.optimizers.Adam(0.01),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


class _RecordRates(nerve.callbacks.Callback):
    """The learning rate of every step (the warm-up test)."""

    def __init__(self):
        super().__init__()
        self.rates = []

    def on_train_batch_begin(self, batch, logs=None):
        self.rates.append(float(self.model.optimizer.learning_rate))


class _PoisonRank1(nerve.callbacks.Callback):
    """After the second step, a NaN in rank 1's kernel (the first one, or `weight`): its third
    step's loss is NaN."""

    def __init__(self, weight=0):
        super().__init__()
        self.weight = weight

    def on_train_batch_end(self, batch, logs=None):
        if batch == 1 and nerve.distributed.rank() == 1:
            np.asarray(self.model.trainable_weights[self.weight])[0, 0] = np.nan


class _Die(nerve.callbacks.Callback):
    """Rank 1 kills itself (SIGKILL) or stalls at its fourth batch: a rank lost mid-epoch."""

    def __init__(self, how):
        super().__init__()
        self.how = how

    def on_train_batch_end(self, batch, logs=None):
        if batch == 3 and nerve.distributed.rank() == 1:
            if self.how == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            time.sleep(3600)


def main(scenario: str, out: str) -> None:
    import nerve.distributed as nd

    nd.init(timeout=float(os.environ.get("NERVE_TEST_TIMEOUT", "60")))
    kind = scenario if scenario in ("mlp", "cnn", "lstm", "bn", "sync_bn_cnn", "bn_cnn") else "mlp"
    if scenario in ("sync_bn_uneven", "sync_bn_nan"):
        kind = "sync_bn_cnn"
    # Different seeds per rank: the broadcast must make the starting weights rank 0's.
    nerve.utils.set_random_seed(100 + nd.rank())
    model = build(kind, width=16 + (nd.rank() if scenario == "mismatch" else 0))
    x, y = data(kind)
    if scenario == "empty":
        x, y = x[:1], y[:1]
    if scenario in ("uneven", "sync_bn_uneven"):
        x, y = x[:UNEVEN], y[:UNEVEN]
    initial_epoch = 0
    if scenario == "resume":  # from the checkpoint the "checkpoint" run saved after epoch 1
        model = nerve.saving.load_model(os.path.join(out, "ckpt.nerve"))
        initial_epoch = 1
    nd.distribute(model)
    w0 = [np.array(w) for w in model.get_weights()]
    callbacks = [_Die(scenario)] if scenario in ("kill", "stall") else []
    if scenario == "nan":
        callbacks = [_PoisonRank1()]
    if scenario == "sync_bn_nan":
        # The output layer's kernel: after every synchronized statistic, so only rank 1's loss
        # is NaN and rank 0 must not start a backward pass rank 1 skips.
        callbacks = [_PoisonRank1(weight=-2)]
    rates = _RecordRates()
    if scenario == "rank0_files":
        log = os.path.join(out, f"log_rank{nd.rank()}.csv")
        callbacks = [nerve.callbacks.CSVLogger(log)]
    if scenario == "checkpoint":
        callbacks = [nerve.callbacks.ModelCheckpoint(os.path.join(out, "ckpt.nerve"))]
    if scenario == "warmup":
        callbacks = [nd.LearningRateWarmup(0.01, warmup_epochs=1), rates]
    # The global batch stays GLOBAL_BATCH whatever the number of ranks (resume on 1 or 4).
    history = model.fit(
        x,
        y,
        batch_size=GLOBAL_BATCH // nd.size(),
        epochs=1 if scenario == "checkpoint" else EPOCHS,
        initial_epoch=initial_epoch,
        shuffle=False,
        verbose=0,
        callbacks=callbacks,
    )
    arrays = {f"w0_{i}": w for i, w in enumerate(w0)}
    arrays.update({f"w1_{i}": np.array(w) for i, w in enumerate(model.get_weights())})
    arrays.update({f"h_{k}": np.array(v) for k, v in history.history.items()})
    arrays["rates"] = np.array(rates.rates)
    np.savez(os.path.join(out, f"rank{nd.rank()}.npz"), **arrays)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
