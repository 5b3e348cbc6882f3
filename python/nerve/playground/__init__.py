"""nerve.playground: a local web page where a small network learns 2-D data live, trained in
nerve's C++ engine (in the spirit of the TensorFlow Playground; its own code).

Run `python -m nerve.playground` and open the address it prints (bound to 127.0.0.1). Standard
library and numpy only: the page and its scripts ship in the package, nothing comes from a CDN.
"""

from .datasets import DATASETS, generate, split
from .features import FEATURES, feature_matrix
from .server import PlaygroundServer, serve
from .session import DEFAULTS, Session, SettingsError, check_settings

__all__ = [
    "DATASETS",
    "DEFAULTS",
    "FEATURES",
    "PlaygroundServer",
    "Session",
    "SettingsError",
    "check_settings",
    "feature_matrix",
    "generate",
    "serve",
    "split",
]
