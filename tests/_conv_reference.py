"""float64 numpy references for the image ops (TensorFlow padding arithmetic) and a central
finite-difference helper. Shared by the convolution / pooling / batch-norm tests."""

from __future__ import annotations

import numpy as np


def same_pads(size: int, kernel: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """TensorFlow 'same': out = ceil(size / stride), the odd padding cell goes after."""
    span = (kernel - 1) * dilation + 1
    out = -(-size // stride)
    total = max((out - 1) * stride + span - size, 0)
    return total // 2, total - total // 2


def pads(size, kernel, stride, dilation, padding):
    return same_pads(size, kernel, stride, dilation) if padding == "same" else (0, 0)


def _taps(x, k, strides, padding, dilation):
    """float64 x padded as TensorFlow pads it, k, the padding (top, left), the output size and,
    for each kernel cell (i, j), the slices of the padded x that the output pixels read."""
    x = np.asarray(x, np.float64)
    k = np.asarray(k, np.float64)
    _, H, W, _ = x.shape
    KH, KW = k.shape[:2]
    (sh, sw), (dh, dw) = strides, dilation
    pt, pb = pads(H, KH, sh, dh, padding)
    pl, pr = pads(W, KW, sw, dw, padding)
    xp = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)))
    OH = (H + pt + pb - ((KH - 1) * dh + 1)) // sh + 1
    OW = (W + pl + pr - ((KW - 1) * dw + 1)) // sw + 1
    cells = [
        (
            i,
            j,
            slice(i * dh, i * dh + (OH - 1) * sh + 1, sh),
            slice(j * dw, j * dw + (OW - 1) * sw + 1, sw),
        )
        for i in range(KH)
        for j in range(KW)
    ]
    return xp, k, (pt, pl), (OH, OW), cells


def conv2d(x, k, b, strides=(1, 1), padding="valid", dilation=(1, 1)):
    xp, k, _, (OH, OW), cells = _taps(x, k, strides, padding, dilation)
    y = np.zeros((xp.shape[0], OH, OW, k.shape[3]))
    for i, j, rows, cols in cells:
        y += xp[:, rows, cols, :] @ k[i, j]
    if b is not None:
        y += np.asarray(b, np.float64)
    return y


def conv2d_grads(x, k, dz, strides=(1, 1), padding="valid", dilation=(1, 1)):
    """Exact float64 gradients (dx, dk, db) of sum(conv2d(x, k, b) * dz): the adjoint of conv2d."""
    xp, k, (pt, pl), _, cells = _taps(x, k, strides, padding, dilation)
    dz = np.asarray(dz, np.float64)
    dxp, dk = np.zeros_like(xp), np.zeros_like(k)
    for i, j, rows, cols in cells:
        dk[i, j] = np.einsum("nhwc,nhwf->cf", xp[:, rows, cols, :], dz)
        dxp[:, rows, cols, :] += dz @ k[i, j].T
    H, W = np.shape(x)[1:3]
    return dxp[:, pt : pt + H, pl : pl + W, :], dk, dz.sum(axis=(0, 1, 2))


def pool2d(x, kind, pool=(2, 2), strides=(2, 2), padding="valid"):
    """Keras pooling: 'same' max ignores padding, 'same' average divides by the cells inside."""
    x = np.asarray(x, np.float64)
    N, H, W, C = x.shape
    (ph, pw), (sh, sw) = pool, strides
    pt, _ = pads(H, ph, sh, 1, padding)
    pl, _ = pads(W, pw, sw, 1, padding)
    OH = -(-H // sh) if padding == "same" else (H - ph) // sh + 1
    OW = -(-W // sw) if padding == "same" else (W - pw) // sw + 1
    y = np.zeros((N, OH, OW, C))
    for oh in range(OH):
        h0, h1 = max(oh * sh - pt, 0), min(oh * sh - pt + ph, H)
        for ow in range(OW):
            w0, w1 = max(ow * sw - pl, 0), min(ow * sw - pl + pw, W)
            win = x[:, h0:h1, w0:w1, :]
            y[:, oh, ow, :] = win.max(axis=(1, 2)) if kind == "max" else win.mean(axis=(1, 2))
    return y


def batch_norm_train(x, gamma, beta, eps):
    x = np.asarray(x, np.float64)
    axes = tuple(range(x.ndim - 1))
    mean, var = x.mean(axis=axes), x.var(axis=axes)
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


def numeric_grad(f, arrays, index, eps=1e-6):
    """d f / d arrays[index] by central differences; f takes the list of float64 arrays."""
    arrays = [np.array(a, np.float64) for a in arrays]
    a = arrays[index]
    g = np.zeros_like(a)
    it = np.nditer(a, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = a[i]
        a[i] = old + eps
        up = f(arrays)
        a[i] = old - eps
        down = f(arrays)
        a[i] = old
        g[i] = (up - down) / (2 * eps)
    return g


def conv_transpose_geometry(size, kernel, stride, padding, output_padding=None, dilation=1):
    """Keras 3's transposed-convolution geometry of one axis (its JAX backend's explicit padding),
    as (pad_before, output length): output cell i receives input cell o through tap k when
    i = o * stride - pad_before + k * dilation."""
    span = (kernel - 1) * dilation + 1
    if padding == "valid":
        extra = max(span, stride) - span if output_padding is None else output_padding
        left, right = span - 1, span - 1 + extra
    else:
        total = (
            stride + span - 2 if output_padding is None else span + span % 2 - 2 + output_padding
        )
        left = min(total // 2 + total % 2, span - 1)
        right = total - left
    return span - 1 - left, (size - 1) * stride + 1 + left + right - span + 1


def conv2d_transpose(
    x, k, b, strides=(1, 1), padding="valid", output_padding=None, dilation=(1, 1)
):
    """float64 transposed convolution by scattering every input pixel through the kernel:
    x [N, H, W, Cin], k [KH, KW, F, Cin] (Keras's layout), b [F] or None -> [N, OH, OW, F]."""
    x = np.asarray(x, np.float64)
    k = np.asarray(k, np.float64)
    N, H, W, _ = x.shape
    KH, KW, F, _ = k.shape
    op = (None, None) if output_padding is None else output_padding
    ph, OH = conv_transpose_geometry(H, KH, strides[0], padding, op[0], dilation[0])
    pw, OW = conv_transpose_geometry(W, KW, strides[1], padding, op[1], dilation[1])
    y = np.zeros((N, OH, OW, F))
    for i in range(KH):
        for j in range(KW):
            contrib = x @ k[i, j].T  # [N, H, W, F]
            for o in range(H):
                r = o * strides[0] - ph + i * dilation[0]
                if not 0 <= r < OH:
                    continue
                for p in range(W):
                    c = p * strides[1] - pw + j * dilation[1]
                    if 0 <= c < OW:
                        y[:, r, c, :] += contrib[:, o, p, :]
    if b is not None:
        y += np.asarray(b, np.float64)
    return y
