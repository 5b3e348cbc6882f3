"""The VAE's layers one by one (examples/vae.py, batch 128), nerve against PyTorch CPU: forward,
and backward from a fixed random upstream gradient (every weight gradient, and dX except for the
first layer, whose input is the data), each timed as CPU time of the calling thread on 1 thread
(time.thread_time), in blocks that alternate between the two frameworks; medians in ms and the
ratio torch / nerve (> 1: nerve is faster). Activations are fused in nerve's layers and a
separate module in PyTorch's, as in the two training steps. Where a VAE step's time goes.

Run: python bench/vae_layers_vs_torch.py [--rounds 7] [--batch 128] [names ...]
NERVE_QUICK=1 (CI smoke): batch 2, one round.
"""

import _layers_vs_torch
import torch

from nerve import layers


def cases(batch):
    """name -> (nerve layer, torch module, NHWC input shape, whether dX is computed)."""
    nn = torch.nn
    relu = nn.ReLU
    return {
        "Conv2D 1->32 k3 s2 relu 28->14": (
            layers.Conv2D(32, 3, strides=2, padding="same", activation="relu"),
            nn.Sequential(nn.Conv2d(1, 32, 3, 2, padding=1), relu()),
            (batch, 28, 28, 1),
            False,
        ),
        "Conv2D 32->64 k3 s2 relu 14->7": (
            layers.Conv2D(64, 3, strides=2, padding="same", activation="relu"),
            nn.Sequential(nn.Conv2d(32, 64, 3, 2, padding=1), relu()),
            (batch, 14, 14, 32),
            True,
        ),
        "Dense 3136->16 relu": (
            layers.Dense(16, activation="relu"),
            nn.Sequential(nn.Linear(3136, 16), relu()),
            (batch, 3136),
            True,
        ),
        "Dense 2->3136 relu": (
            layers.Dense(3136, activation="relu"),
            nn.Sequential(nn.Linear(2, 3136), relu()),
            (batch, 2),
            True,
        ),
        "Conv2DTranspose 64->64 k3 s2 relu 7->14": (
            layers.Conv2DTranspose(64, 3, strides=2, padding="same", activation="relu"),
            nn.Sequential(nn.ConvTranspose2d(64, 64, 3, 2, padding=1, output_padding=1), relu()),
            (batch, 7, 7, 64),
            True,
        ),
        "Conv2DTranspose 64->32 k3 s2 relu 14->28": (
            layers.Conv2DTranspose(32, 3, strides=2, padding="same", activation="relu"),
            nn.Sequential(nn.ConvTranspose2d(64, 32, 3, 2, padding=1, output_padding=1), relu()),
            (batch, 14, 14, 64),
            True,
        ),
        "Conv2DTranspose 32->1 k3 s1 sigmoid 28->28": (
            layers.Conv2DTranspose(1, 3, padding="same", activation="sigmoid"),
            nn.Sequential(nn.ConvTranspose2d(32, 1, 3, 1, padding=1), nn.Sigmoid()),
            (batch, 28, 28, 32),
            True,
        ),
    }


if __name__ == "__main__":
    _layers_vs_torch.main(cases, rounds=7, batch=128, decimals=2)
