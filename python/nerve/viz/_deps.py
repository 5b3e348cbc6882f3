"""The optional extra behind nerve.viz: matplotlib and Pillow are imported only when a drawing
function runs, so `import nerve` (and `import nerve.viz`) stay numpy-only."""

from __future__ import annotations

INSTALL_HINT = 'pip install "nerve[viz]"'


def require_matplotlib():
    """The matplotlib module, or an ImportError that names the extra to install."""
    try:
        import matplotlib
        import PIL  # noqa: F401  (matplotlib writes PNGs through Pillow; the extra pins both)
    except ImportError as e:
        raise ImportError(
            f"nerve.viz draws with matplotlib and Pillow, which are not installed "
            f"({e}); install the viz extra: {INSTALL_HINT}"
        ) from e
    return matplotlib
