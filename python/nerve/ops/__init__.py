"""nerve.ops: differentiable ops on nerve.Tensor, named and behaving as keras.ops, for custom
layers, Lambda layers and GradientTape loops. Every op runs in C++ (the op registry,
nerve/op_registry.h) and records its backward step; on the symbolic tensors of a layer being
traced it is recorded instead, and replayed in C++ on every training step.

Families: math (element-wise, comparisons), nn (activations, one_hot, losses), reductions, shape,
linalg (matmul, einsum, tensordot, norm), creation (zeros, arange, eye, ...), core (cast,
stop_gradient, shape, convert_to_tensor). nerve.random has the random ops.
The older nerve-specific ops of nerve._core.ops (dense, activation, loss, scale, ...) stay here
too, for gradient checks and custom loops.
"""

from .. import _core as _core_module

_ops = _core_module.ops
_internal = {"call", "has_op"}

# The older C++ ops, re-exported under nerve.ops first; the Keras-named families below replace
# any of the same name (sum, mean, matmul, add, ...) with their Keras forms.
globals().update(
    {n: getattr(_ops, n) for n in dir(_ops) if not n.startswith("_") and n not in _internal}
)
__all__ = [n for n in dir(_ops) if not n.startswith("_") and n not in _internal]

from . import core, creation, linalg, math, nn, reductions, shape  # noqa: E402

# The family modules, kept before the star imports: core's shape() replaces the name `shape`.
_families = (core, creation, linalg, math, nn, reductions, shape)
from .core import *  # noqa: E402,F403
from .creation import *  # noqa: E402,F403
from .linalg import *  # noqa: E402,F403
from .math import *  # noqa: E402,F403
from .nn import *  # noqa: E402,F403
from .reductions import *  # noqa: E402,F403
from .shape import *  # noqa: E402,F403

for _family in _families:
    __all__ += [n for n in _family.__all__ if n not in __all__]
del _family, _families

from ._tensor_methods import install_operators, install_scalar_conversions  # noqa: E402

install_operators(_core_module.Tensor)
install_scalar_conversions(_core_module.Tensor)
