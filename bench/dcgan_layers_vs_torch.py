"""The DCGAN's layers one by one (examples/dcgan.py, batch 64: the discriminator sees 128
images), nerve against PyTorch CPU: forward, and backward from a fixed random upstream gradient
(dX and every weight gradient), each timed as CPU time of the calling thread on 1 thread
(time.thread_time: what the op itself costs, steadier than wall time on a loaded machine), in
blocks that alternate between the two frameworks; medians in ms and the ratio torch / nerve
(> 1: nerve is faster). Where a train step's time goes, and which layer to look at next.

Measured on the 2-core Intel Xeon (AVX-512, AMX) VM at load ~12 (shared with 7 other jobs),
after Conv2DTranspose's strided forward became sub-pixel phases; ms, torch / nerve:
  Dense 128->6272                    fwd 1.2 vs 1.5 (1.26x)    bwd 3.1 vs 2.5 (0.81x)
  Conv2DTranspose 128 k4 s2 7->14    fwd 13.7 vs 16.5 (1.20x)  bwd 27.0 vs 27.3 (1.01x)
  Conv2DTranspose 128 k4 s2 14->28   fwd 54.2 vs 73.1 (1.35x)  bwd 96.2 vs 104.7 (1.09x)
  LeakyReLU 28x28x128                fwd 5.2 vs 4.4 (0.85x)    bwd 13.7 vs 13.2 (0.96x)
  Conv2D 128->1 k7 sigmoid           fwd 13.7 vs 64.7 (4.72x)  bwd 30.3 vs 131.4 (4.34x)
  Conv2D 1->64 k3 s2 (batch 128)     fwd 1.2 vs 1.6 (1.37x)    bwd 4.1 vs 8.8 (2.13x)
  Conv2D 64->128 k3 s2 (batch 128)   fwd 7.3 vs 8.2 (1.12x)    bwd 16.2 vs 20.4 (1.26x)
  GlobalMaxPooling2D 7x7x128         fwd 1.2 vs 1.9 (1.60x)    bwd 0.5 vs 0.9 (1.75x)
The two Conv2DTranspose layers' products run at 100-150 GFLOP/s here against ~185 for a large
sgemm on this core: the rest of a step's gain has to come from bfloat16 / AMX, not from fp32.

Run: python bench/dcgan_layers_vs_torch.py [--rounds 5] [--batch 64] [names ...]
NERVE_QUICK=1 (CI smoke): batch 2, one round.
"""

import _layers_vs_torch
import torch

from nerve import layers


def cases(batch):
    """name -> (nerve layer, torch module, NHWC input shape)."""
    nn = torch.nn
    return {
        "Dense 128->6272": (layers.Dense(7 * 7 * 128), nn.Linear(128, 6272), (batch, 128)),
        "Conv2DTranspose 128 k4 s2 7->14": (
            layers.Conv2DTranspose(128, 4, strides=2, padding="same"),
            nn.ConvTranspose2d(128, 128, 4, 2, padding=1),
            (batch, 7, 7, 128),
        ),
        "Conv2DTranspose 128 k4 s2 14->28": (
            layers.Conv2DTranspose(128, 4, strides=2, padding="same"),
            nn.ConvTranspose2d(128, 128, 4, 2, padding=1),
            (batch, 14, 14, 128),
        ),
        "LeakyReLU 28x28x128": (
            layers.LeakyReLU(negative_slope=0.2),
            nn.LeakyReLU(0.2),
            (batch, 28, 28, 128),
        ),
        "Conv2D 128->1 k7 sigmoid": (
            layers.Conv2D(1, 7, padding="same", activation="sigmoid"),
            nn.Sequential(nn.Conv2d(128, 1, 7, padding=3), nn.Sigmoid()),
            (batch, 28, 28, 128),
        ),
        "Conv2D 1->64 k3 s2": (
            layers.Conv2D(64, 3, strides=2, padding="same"),
            nn.Conv2d(1, 64, 3, 2, padding=1),
            (2 * batch, 28, 28, 1),
        ),
        "Conv2D 64->128 k3 s2": (
            layers.Conv2D(128, 3, strides=2, padding="same"),
            nn.Conv2d(64, 128, 3, 2, padding=1),
            (2 * batch, 14, 14, 64),
        ),
        "GlobalMaxPooling2D 7x7x128": (
            layers.GlobalMaxPooling2D(),
            nn.Sequential(nn.AdaptiveMaxPool2d(1), nn.Flatten()),
            (2 * batch, 7, 7, 128),
        ),
    }


if __name__ == "__main__":
    _layers_vs_torch.main(cases, rounds=5, batch=64, decimals=1)
