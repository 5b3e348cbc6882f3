"""The optional extra behind nerve.onnx: the onnx package is imported only when an export runs,
so `import nerve` (and `import nerve.onnx`) never import it."""

from __future__ import annotations

INSTALL_HINT = 'pip install "nerve[onnx]"'


def require_onnx():
    """The onnx module, or an ImportError that names the extra to install."""
    try:
        import onnx
        import onnx.checker
        import onnx.helper
        import onnx.numpy_helper
    except ImportError as e:
        raise ImportError(
            f"nerve.onnx.export writes the model with the onnx package, which is not installed "
            f"({e}); install the onnx extra: {INSTALL_HINT}"
        ) from e
    return onnx
