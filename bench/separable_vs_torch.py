"""DepthwiseConv2D and SeparableConv2D at the task's size (batch 32, 64x64 images, 32 channels,
3x3, padding 'same'), nerve against PyTorch CPU's grouped Conv2d (groups = channels; for
SeparableConv2D followed by a 1x1 Conv2d): forward, and backward from a fixed random upstream
gradient (dX, dW, db), CPU time of the calling thread on 1 thread, rounds alternating between the
two after a warm-up each, medians in ms and the ratio torch / nerve (> 1: nerve is faster); the
table code is _layers_vs_torch.py's. nerve's depthwise kernel is a direct loop over the taps,
vectorised over the channels (cpp/kernels/cpu/conv/depthwise_conv2d.cpp).

Measured 2026-12-03 on AMD EPYC Zen 4 (2 vCPUs shared, load average 4.5-5.2), 1 thread, two runs
of 11 rounds, ms nerve / torch: DepthwiseConv2D k3 forward 12.0-13.3 / 20.2-38.5, backward
22.7-24.8 / 39.5-53.0; depth_multiplier 2 strides 2 forward 13.9-15.0 / 15.3-16.6, backward
23.1-26.3 / 55.3-60.9; SeparableConv2D 32->64 forward 22.3-24.0 / 68.7-76.9, backward 47.8-48.5 /
135.1-144.1 (its depthwise part about half of each). depth_multiplier 2 before the input was repeated M
times for the contiguous loop (a c / m loop nest instead): forward 53.0 / 15.5.

Run: python bench/separable_vs_torch.py [--rounds 11] [--batch 32] [names ...]
NERVE_QUICK=1 (CI smoke): batch 2, one round.
"""

import _layers_vs_torch
from torch import nn

from nerve import layers


def cases(batch):
    """name -> (nerve layer, torch module, NHWC input shape, dX computed)."""
    return {
        "DepthwiseConv2D 32 k3 same 64x64": (
            layers.DepthwiseConv2D(3, padding="same"),
            nn.Conv2d(32, 32, 3, padding=1, groups=32),
            (batch, 64, 64, 32),
            True,
        ),
        "DepthwiseConv2D 32 k3 s2 x2 same 64x64": (
            layers.DepthwiseConv2D(3, strides=2, padding="same", depth_multiplier=2),
            nn.Conv2d(32, 64, 3, stride=2, padding=1, groups=32),
            (batch, 64, 64, 32),
            True,
        ),
        "SeparableConv2D 32->64 k3 same 64x64": (
            layers.SeparableConv2D(64, 3, padding="same"),
            nn.Sequential(
                nn.Conv2d(32, 32, 3, padding=1, groups=32, bias=False), nn.Conv2d(32, 64, 1)
            ),
            (batch, 64, 64, 32),
            True,
        ),
    }


if __name__ == "__main__":
    _layers_vs_torch.main(cases, rounds=11, batch=32, decimals=2)
