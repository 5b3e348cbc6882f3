"""The Playground's 2-D data sets: points in the square [-6, 6]² with a label each.

Classification sets label a point 0 (orange) or 1 (blue); regression sets give it a value in
[-1, 1]. `noise` (0 to 50, a percentage as the page shows it) jitters the points or the values;
every set is drawn from its own seeded generator, so the same settings give the same points.
"""

from __future__ import annotations

import numpy as np

EXTENT = 6.0  # the input plane is [-EXTENT, EXTENT] on both axes

CLASSIFICATION = ("circle", "xor", "gauss", "spiral")
REGRESSION = ("reg-plane", "reg-gauss")
DATASETS = CLASSIFICATION + REGRESSION


def is_regression(name: str) -> bool:
    return name in REGRESSION


def _circle(rng, n, noise):
    # An inner disc (blue) inside a ring (orange); noise pushes points across the gap.
    half = n // 2
    r_in = rng.uniform(0, 0.5, half) * 5
    r_out = rng.uniform(0.7, 1.0, n - half) * 5
    r = np.concatenate([r_in, r_out])
    angle = rng.uniform(0, 2 * np.pi, n)
    pts = np.column_stack([r * np.cos(angle), r * np.sin(angle)])
    pts += rng.uniform(-5, 5, (n, 2)) * noise
    # The label follows where a point was drawn, not where the noise took it.
    return pts, np.concatenate([np.ones(half), np.zeros(n - half)])


def _xor(rng, n, noise):
    pts = rng.uniform(-5, 5, (n, 2))
    pts += np.sign(pts) * 0.3  # a margin along both axes
    labels = (pts[:, 0] * pts[:, 1] >= 0).astype(np.float64)
    pts += rng.uniform(-5, 5, (n, 2)) * noise
    return pts, labels


def _gauss(rng, n, noise):
    # Two Gaussian clusters, blue around (2, 2) and orange around (-2, -2); noise widens them.
    half = n // 2
    spread = 0.5 + 3.5 * noise
    blue = rng.normal((2.0, 2.0), spread, (half, 2))
    orange = rng.normal((-2.0, -2.0), spread, (n - half, 2))
    return np.vstack([blue, orange]), np.concatenate([np.ones(half), np.zeros(n - half)])


def _spiral(rng, n, noise):
    # Two interleaved arms, each turning 1.75 times around the origin.
    half = n // 2
    pts, labels = [], []
    for label, phase, count in ((1.0, 0.0, half), (0.0, np.pi, n - half)):
        t = np.linspace(0, 1, count, endpoint=False)
        r = 5 * t
        angle = 1.75 * 2 * np.pi * t + phase
        arm = np.column_stack([r * np.sin(angle), r * np.cos(angle)])
        arm += rng.uniform(-1, 1, (count, 2)) * noise * 2
        pts.append(arm)
        labels.append(np.full(count, label))
    return np.vstack(pts), np.concatenate(labels)


def _reg_plane(rng, n, noise):
    pts = rng.uniform(-EXTENT, EXTENT, (n, 2))
    values = (pts[:, 0] + pts[:, 1]) / (2 * EXTENT)
    values += rng.uniform(-1, 1, n) * noise
    return pts, np.clip(values, -1, 1)


# Gaussian bumps: (centre x, centre y, sign); the value at a point is the strongest bump there.
_BUMPS = ((-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1))


def reg_gauss_value(pts: np.ndarray) -> np.ndarray:
    """The noiseless target of the Gaussian regression set at points (n, 2)."""
    best = np.zeros(len(pts))
    for cx, cy, sign in _BUMPS:
        bump = sign * np.exp(-((pts[:, 0] - cx) ** 2 + (pts[:, 1] - cy) ** 2) / 2.0)
        best = np.where(np.abs(bump) > np.abs(best), bump, best)
    return best


def _reg_gauss(rng, n, noise):
    pts = rng.uniform(-EXTENT, EXTENT, (n, 2))
    values = reg_gauss_value(pts) + rng.uniform(-1, 1, n) * noise
    return pts, np.clip(values, -1, 1)


_GENERATORS = {
    "circle": _circle,
    "xor": _xor,
    "gauss": _gauss,
    "spiral": _spiral,
    "reg-plane": _reg_plane,
    "reg-gauss": _reg_gauss,
}


def generate(name: str, n: int = 500, noise: float = 0.0, seed: int = 0) -> tuple:
    """(points (n, 2) float32, labels (n,) float32) of data set `name`. noise is a percentage,
    0 to 50."""
    if name not in _GENERATORS:
        raise ValueError(f"unknown data set {name!r}; choose one of: {', '.join(DATASETS)}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"data set {name!r}: the number of points must be an int >= 2, got {n!r}")
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or not 0 <= noise <= 50:
        raise ValueError(f"noise must be a number from 0 to 50 (percent), got {noise!r}")
    rng = np.random.default_rng(seed)
    pts, labels = _GENERATORS[name](rng, int(n), noise / 100.0)
    order = rng.permutation(len(pts))  # mixed, so a train/test split takes from every part
    return pts[order].astype(np.float32), labels[order].astype(np.float32)


def split(points: np.ndarray, labels: np.ndarray, train_percent: float) -> tuple:
    """((x_train, y_train), (x_test, y_test)): the first train_percent % of the (already
    shuffled) points train, the rest test. Both sides keep at least one point."""
    if (
        isinstance(train_percent, bool)
        or not isinstance(train_percent, (int, float))
        or not 0 < train_percent < 100
    ):
        raise ValueError(
            f"the training share must be a percentage strictly between 0 and 100, "
            f"got {train_percent!r}"
        )
    k = min(len(points) - 1, max(1, round(len(points) * train_percent / 100)))
    return (points[:k], labels[:k]), (points[k:], labels[k:])
