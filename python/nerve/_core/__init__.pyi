"""
nerve's C++ engine (tensors, autograd, kernels, layers, optimizers)
"""
from __future__ import annotations
import collections.abc
import numpy
import numpy.typing
import typing
from . import _testing
from . import ops
from . import random
from . import distributed
__all__: list[str] = ['Adadelta', 'Adagrad', 'Adam', 'AdamW', 'Adamax', 'AucSummation', 'Bidirectional', 'ClassAggregation', 'Dropout', 'Ftrl', 'GRU', 'GraphModel', 'Initializer', 'LSTM', 'Lamb', 'Layer', 'LearningRateSchedule', 'Lion', 'Loss', 'MetricKind', 'MetricSpec', 'MetricState', 'Model', 'MultiHeadAttention', 'Nadam', 'Optimizer', 'Predictor', 'RMSprop', 'Recurrent', 'Regularizer', 'SGD', 'ScoreAverage', 'Sequential', 'SimpleRNN', 'Stats', 'StepProgram', 'Tensor', 'TimeDistributed', 'TraceProgram', 'TracedLayer', 'Trainer', 'activation_canonical_name', 'activation_default_alpha', 'activation_elementwise', 'activation_names', 'active_isa', 'allocation_count', 'available_devices', 'bf16_kernel', 'build_info', 'compiled_isas', 'config', 'conv_algorithm', 'current_device', 'detected_isa', 'distributed', 'flush_denormals', 'grad_enabled', 'gradients', 'has_openmp', 'initialize', 'initializer_names', 'layer_config', 'layer_spec', 'loss_canonical_name', 'loss_names', 'make_layer', 'measure_fma_peak', 'metric_result', 'metric_values', 'next_seed', 'num_threads', 'ops', 'random', 'registered_layers', 'set_bf16_kernel', 'set_conv_algorithm', 'set_current_device', 'set_flush_denormals', 'set_grad_enabled', 'set_isa', 'set_num_threads', 'set_seed', 'sgemm', 'sgemm_bf16', 'update_metric', 'usable_bf16_kernels']
class Tensor:
    """
    A float32 n-d array in C++ memory with autograd. np.asarray(t) shares memory.
    """
    grad: typing.Any
    requires_grad: bool
    def __abs__(self):
        ...
    def __add__(self, other):
        """
        nerve.ops.add(self, other)
        """
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        ...
    def __bool__(self):
        """
        bool() of a one-element tensor's value (as a JAX array); larger tensors: len() > 0.
        """
    def __float__(self):
        """
        float() of a one-element tensor's value (as a JAX array)
        """
    def __ge__(self, other):
        """
        nerve.ops.greater_equal(self, other)
        """
    def __getitem__(self, key):
        ...
    def __gt__(self, other):
        """
        nerve.ops.greater(self, other)
        """
    def __init__(self, data: numpy.ndarray, requires_grad: bool = False) -> None:
        ...
    def __int__(self):
        """
        int() of a one-element tensor's value (as a JAX array)
        """
    def __le__(self, other):
        """
        nerve.ops.less_equal(self, other)
        """
    def __len__(self) -> int:
        ...
    def __lt__(self, other):
        """
        nerve.ops.less(self, other)
        """
    def __matmul__(self, other):
        """
        nerve.ops.matmul(self, other)
        """
    def __mul__(self, other):
        """
        nerve.ops.multiply(self, other)
        """
    def __neg__(self):
        ...
    def __pow__(self, other):
        """
        nerve.ops.power(self, other)
        """
    def __radd__(self, other):
        """
        nerve.ops.add(other, self)
        """
    def __repr__(self) -> str:
        ...
    def __rmatmul__(self, other):
        """
        nerve.ops.matmul(other, self)
        """
    def __rmul__(self, other):
        """
        nerve.ops.multiply(other, self)
        """
    def __rpow__(self, other):
        """
        nerve.ops.power(other, self)
        """
    def __rsub__(self, other):
        """
        nerve.ops.subtract(other, self)
        """
    def __rtruediv__(self, other):
        """
        nerve.ops.divide(other, self)
        """
    def __sub__(self, other):
        """
        nerve.ops.subtract(self, other)
        """
    def __truediv__(self, other):
        """
        nerve.ops.divide(self, other)
        """
    def assign(self, value):
        """
        Keras Variable.assign: updates the weight in place. Inside a traced call() the update is recorded and runs on every step (no gradient flows through it).
        """
    def assign_add(self, value):
        """
        Keras Variable.assign_add: updates the weight in place. Inside a traced call() the update is recorded and runs on every step (no gradient flows through it).
        """
    def assign_sub(self, value):
        """
        Keras Variable.assign_sub: updates the weight in place. Inside a traced call() the update is recorded and runs on every step (no gradient flows through it).
        """
    def backward(self, gradient: typing.Any = None) -> None:
        ...
    def clone(self) -> Tensor:
        ...
    def detach(self) -> Tensor:
        ...
    def item(self) -> float:
        ...
    def numpy(self) -> numpy.ndarray:
        """
        A numpy array sharing this tensor's memory (a host copy for a device the host cannot read)
        """
    def reshape(self, arg0: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex]) -> Tensor:
        ...
    def to(self, device: str) -> Tensor:
        """
        This tensor on another device ('cpu', 'poison:0'): itself when it is there, else a copy
        """
    def zero_grad(self) -> None:
        ...
    @property
    def device(self) -> str:
        ...
    @property
    def grad_fn(self) -> typing.Any:
        ...
    @property
    def mask(self) -> typing.Any:
        ...
    @mask.setter
    def mask(self, arg1: Tensor | None) -> None:
        ...
    @property
    def name(self) -> typing.Any:
        ...
    @property
    def ndim(self) -> int:
        ...
    @property
    def path(self) -> typing.Any:
        ...
    @path.setter
    def path(self, arg1: str | None) -> None:
        ...
    @property
    def shape(self) -> tuple:
        ...
    @property
    def value(self):
        """
        The tensor itself (Keras .value).
        """
class Initializer:
    def __init__(self, name: str, value: typing.SupportsFloat | typing.SupportsIndex = 0.0, minval: typing.SupportsFloat | typing.SupportsIndex = -0.05000000074505806, maxval: typing.SupportsFloat | typing.SupportsIndex = 0.05000000074505806, mean: typing.SupportsFloat | typing.SupportsIndex = 0.0, stddev: typing.SupportsFloat | typing.SupportsIndex = 0.05000000074505806, gain: typing.SupportsFloat | typing.SupportsIndex = 1.0, scale: typing.SupportsFloat | typing.SupportsIndex = 1.0, mode: str = 'fan_in', distribution: str = 'truncated_normal', seed: typing.SupportsInt | typing.SupportsIndex = -1) -> None:
        ...
    @property
    def name(self) -> str:
        ...
    @property
    def seed(self) -> int:
        ...
class Regularizer:
    def __init__(self, l1: typing.SupportsFloat | typing.SupportsIndex, l2: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def l1(self) -> float:
        ...
    @property
    def l2(self) -> float:
        ...
class Layer:
    activity_regularizer: Regularizer
    name: str
    precision: str
    trainable: bool
    def __call__(self, x: Tensor, training: bool = False) -> Tensor:
        ...
    def accepts(self, input_shapes: collections.abc.Sequence[collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex]]) -> bool:
        ...
    def build(self, input_shape: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex], seed: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def build_many(self, input_shapes: collections.abc.Sequence[collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex]], seed: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def call_many(self, xs: collections.abc.Sequence[Tensor], training: bool = False) -> list[Tensor]:
        ...
    def output_shape(self, input_shape: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex]) -> list[int]:
        ...
    def output_shapes_many(self, input_shapes: collections.abc.Sequence[collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex]]) -> list[list[int]]:
        ...
    def regularization_loss(self) -> typing.Any:
        ...
    def regularization_value(self) -> typing.Any:
        ...
    def set_weight_regularizer(self, role: str, regularizer: Regularizer) -> None:
        ...
    def weight_regularizer(self, role: str) -> Regularizer:
        ...
    @property
    def built(self) -> bool:
        ...
    @property
    def input_shape(self) -> list[int]:
        ...
    @property
    def input_shapes(self) -> list[list[int]]:
        ...
    @property
    def input_specs(self) -> list[list[int]]:
        ...
    @property
    def non_trainable_weights(self) -> list[Tensor]:
        ...
    @property
    def trainable_weights(self) -> list[Tensor]:
        ...
    @property
    def type(self) -> str:
        ...
    @property
    def weights(self) -> list[Tensor]:
        ...
class Dropout(Layer):
    @property
    def rate(self) -> float:
        ...
class Recurrent(Layer):
    def run(self, x: Tensor, h0: Tensor | None = None, c0: Tensor | None = None, mask: Tensor | None = None, training: bool = False) -> list[Tensor]:
        """
        {output, last h, last c (LSTM)}
        """
    @property
    def state_count(self) -> int:
        ...
class SimpleRNN(Recurrent):
    pass
class LSTM(Recurrent):
    pass
class GRU(Recurrent):
    pass
class Bidirectional(Layer):
    @staticmethod
    def check_merge_mode(owner: str, merge_mode: str) -> None:
        ...
    def __init__(self, name: str, forward_layer: Recurrent, backward_layer: Recurrent, merge_mode: str) -> None:
        ...
class TimeDistributed(Layer):
    def __init__(self, name: str, layer: Layer) -> None:
        ...
class MultiHeadAttention(Layer):
    def attend(self, query: Tensor, value: Tensor, key: Tensor | None = None, attention_mask: Tensor | None = None, use_causal_mask: bool = False, training: bool = False) -> Tensor:
        ...
    def build_many(self, input_shapes: collections.abc.Sequence[collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex]], seed: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def scores(self, query: Tensor, value: Tensor, key: Tensor | None = None, attention_mask: Tensor | None = None, use_causal_mask: bool = False) -> Tensor:
        ...
class TraceProgram:
    def __init__(self, num_inputs: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def add_assign(self, kind: str, target: typing.SupportsInt | typing.SupportsIndex, value: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def add_capture(self, tensor: Tensor) -> int:
        ...
    def add_layer_call(self, layer: Layer, inputs: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex], num_outputs: typing.SupportsInt | typing.SupportsIndex, training: typing.SupportsInt | typing.SupportsIndex) -> int:
        ...
    def add_loss(self, value: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def add_op(self, op: str, attrs: dict, inputs: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex], num_outputs: typing.SupportsInt | typing.SupportsIndex, patches: collections.abc.Sequence[tuple[str, typing.SupportsInt | typing.SupportsIndex, typing.SupportsInt | typing.SupportsIndex, typing.SupportsInt | typing.SupportsIndex]]) -> int:
        ...
    def set_outputs(self, outputs: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex], output_shapes: collections.abc.Sequence[collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex]]) -> None:
        ...
    @property
    def num_steps(self) -> int:
        ...
    @property
    def step_ops(self) -> list[str]:
        ...
class TracedLayer(Layer):
    def __init__(self, name: str, type_name: str, train: TraceProgram, infer: TraceProgram, input_shapes: collections.abc.Sequence[collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex]]) -> None:
        ...
    def add_own_weight(self, weight: Tensor, trainable: bool, regularizer: Regularizer | None = None) -> None:
        ...
    def add_sublayer_weight(self, weight: Tensor, trainable: bool) -> None:
        ...
    def complete(self) -> None:
        ...
    def set_mask_rule(self, rule: str) -> None:
        """
        What a padding mask on an input does: 'drop', 'pass' or 'refuse'.
        """
    def set_weight_trainable(self, index: typing.SupportsInt | typing.SupportsIndex, trainable: bool) -> None:
        ...
    def step_ops(self, training: bool) -> list[str]:
        ...
    @property
    def added_losses(self) -> list[float]:
        ...
class Model:
    def clear_activity_losses(self) -> None:
        ...
    def forward(self, x: Tensor, training: bool) -> Tensor:
        ...
    def forward_many(self, xs: collections.abc.Sequence[Tensor], training: bool) -> list[Tensor]:
        ...
    def regularization_loss(self) -> float:
        ...
    def regularization_tensor(self) -> typing.Any:
        ...
    def trainable_weights(self) -> list[Tensor]:
        ...
    @property
    def num_inputs(self) -> int:
        ...
    @property
    def num_outputs(self) -> int:
        ...
class Sequential(Model):
    def __init__(self) -> None:
        ...
    def add(self, arg0: Layer) -> None:
        ...
    def build(self, input_shape: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex]) -> None:
        ...
    def output_shape(self) -> list[int]:
        ...
    @property
    def built(self) -> bool:
        ...
    @property
    def layers(self) -> list[Layer]:
        ...
class GraphModel(Model):
    flexible_inputs: bool
    def __init__(self) -> None:
        ...
    def add_input(self, shape: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex]) -> int:
        ...
    def add_node(self, layer: Layer, inputs: collections.abc.Sequence[tuple[typing.SupportsInt | typing.SupportsIndex, typing.SupportsInt | typing.SupportsIndex]]) -> int:
        ...
    def set_outputs(self, outputs: collections.abc.Sequence[tuple[typing.SupportsInt | typing.SupportsIndex, typing.SupportsInt | typing.SupportsIndex]]) -> None:
        ...
    @property
    def input_shapes(self) -> list[list[int]]:
        ...
    @property
    def layers(self) -> list[Layer]:
        ...
    @property
    def num_nodes(self) -> int:
        ...
    @property
    def output_shapes(self) -> list[list[int]]:
        ...
class LearningRateSchedule:
    @staticmethod
    def cosine_decay(initial_learning_rate: typing.SupportsFloat | typing.SupportsIndex, decay_steps: typing.SupportsFloat | typing.SupportsIndex, alpha: typing.SupportsFloat | typing.SupportsIndex, warmup_target: typing.SupportsFloat | typing.SupportsIndex | None, warmup_steps: typing.SupportsFloat | typing.SupportsIndex) -> LearningRateSchedule:
        ...
    @staticmethod
    def exponential_decay(initial_learning_rate: typing.SupportsFloat | typing.SupportsIndex, decay_steps: typing.SupportsFloat | typing.SupportsIndex, decay_rate: typing.SupportsFloat | typing.SupportsIndex, staircase: bool) -> LearningRateSchedule:
        ...
    @staticmethod
    def piecewise_constant(boundaries: collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex], values: collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex]) -> LearningRateSchedule:
        ...
    def __call__(self, step: typing.SupportsInt | typing.SupportsIndex) -> float:
        ...
class Optimizer:
    schedule: LearningRateSchedule
    def apply(self, params: collections.abc.Sequence[Tensor]) -> None:
        ...
    def apply_gradients(self, grads: collections.abc.Sequence[Tensor | None], params: collections.abc.Sequence[Tensor]) -> int:
        ...
    def check_settings(self) -> None:
        ...
    def current_learning_rate(self) -> float:
        ...
    def exclude_from_weight_decay(self, params: collections.abc.Sequence[Tensor]) -> None:
        ...
    def slots(self, arg0: Tensor) -> list[Tensor]:
        ...
    @property
    def clipnorm(self) -> float:
        ...
    @clipnorm.setter
    def clipnorm(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def clipvalue(self) -> float:
        ...
    @clipvalue.setter
    def clipvalue(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def global_clipnorm(self) -> float:
        ...
    @global_clipnorm.setter
    def global_clipnorm(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def iterations(self) -> int:
        ...
    @iterations.setter
    def iterations(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def learning_rate(self) -> float:
        ...
    @learning_rate.setter
    def learning_rate(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def name(self) -> str:
        ...
    @property
    def weight_decay(self) -> float:
        ...
    @weight_decay.setter
    def weight_decay(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
class SGD(Optimizer):
    nesterov: bool
    def __init__(self, learning_rate: typing.SupportsFloat | typing.SupportsIndex, momentum: typing.SupportsFloat | typing.SupportsIndex, nesterov: bool) -> None:
        ...
    @property
    def momentum(self) -> float:
        ...
    @momentum.setter
    def momentum(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
class Adam(Optimizer):
    amsgrad: bool
    def __init__(self, learning_rate: typing.SupportsFloat | typing.SupportsIndex, beta_1: typing.SupportsFloat | typing.SupportsIndex, beta_2: typing.SupportsFloat | typing.SupportsIndex, epsilon: typing.SupportsFloat | typing.SupportsIndex, amsgrad: bool) -> None:
        ...
    @property
    def beta_1(self) -> float:
        ...
    @beta_1.setter
    def beta_1(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def beta_2(self) -> float:
        ...
    @beta_2.setter
    def beta_2(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def epsilon(self) -> float:
        ...
    @epsilon.setter
    def epsilon(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
class AdamW(Adam):
    def __init__(self, learning_rate: typing.SupportsFloat | typing.SupportsIndex, weight_decay: typing.SupportsFloat | typing.SupportsIndex, beta_1: typing.SupportsFloat | typing.SupportsIndex, beta_2: typing.SupportsFloat | typing.SupportsIndex, epsilon: typing.SupportsFloat | typing.SupportsIndex, amsgrad: bool) -> None:
        ...
class RMSprop(Optimizer):
    centered: bool
    def __init__(self, learning_rate: typing.SupportsFloat | typing.SupportsIndex, rho: typing.SupportsFloat | typing.SupportsIndex, momentum: typing.SupportsFloat | typing.SupportsIndex, epsilon: typing.SupportsFloat | typing.SupportsIndex, centered: bool) -> None:
        ...
    @property
    def epsilon(self) -> float:
        ...
    @epsilon.setter
    def epsilon(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def momentum(self) -> float:
        ...
    @momentum.setter
    def momentum(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def rho(self) -> float:
        ...
    @rho.setter
    def rho(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
class Adagrad(Optimizer):
    def __init__(self, learning_rate: typing.SupportsFloat | typing.SupportsIndex, initial_accumulator_value: typing.SupportsFloat | typing.SupportsIndex, epsilon: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def epsilon(self) -> float:
        ...
    @epsilon.setter
    def epsilon(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def initial_accumulator_value(self) -> float:
        ...
    @initial_accumulator_value.setter
    def initial_accumulator_value(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
class Adadelta(Optimizer):
    def __init__(self, learning_rate: typing.SupportsFloat | typing.SupportsIndex, rho: typing.SupportsFloat | typing.SupportsIndex, epsilon: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def epsilon(self) -> float:
        ...
    @epsilon.setter
    def epsilon(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def rho(self) -> float:
        ...
    @rho.setter
    def rho(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
class Adamax(Optimizer):
    def __init__(self, learning_rate: typing.SupportsFloat | typing.SupportsIndex, beta_1: typing.SupportsFloat | typing.SupportsIndex, beta_2: typing.SupportsFloat | typing.SupportsIndex, epsilon: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def beta_1(self) -> float:
        ...
    @beta_1.setter
    def beta_1(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def beta_2(self) -> float:
        ...
    @beta_2.setter
    def beta_2(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def epsilon(self) -> float:
        ...
    @epsilon.setter
    def epsilon(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
class Nadam(Optimizer):
    def __init__(self, learning_rate: typing.SupportsFloat | typing.SupportsIndex, beta_1: typing.SupportsFloat | typing.SupportsIndex, beta_2: typing.SupportsFloat | typing.SupportsIndex, epsilon: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def beta_1(self) -> float:
        ...
    @beta_1.setter
    def beta_1(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def beta_2(self) -> float:
        ...
    @beta_2.setter
    def beta_2(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def epsilon(self) -> float:
        ...
    @epsilon.setter
    def epsilon(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
class Lion(Optimizer):
    def __init__(self, learning_rate: typing.SupportsFloat | typing.SupportsIndex, beta_1: typing.SupportsFloat | typing.SupportsIndex, beta_2: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def beta_1(self) -> float:
        ...
    @beta_1.setter
    def beta_1(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def beta_2(self) -> float:
        ...
    @beta_2.setter
    def beta_2(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
class Lamb(Optimizer):
    def __init__(self, learning_rate: typing.SupportsFloat | typing.SupportsIndex, beta_1: typing.SupportsFloat | typing.SupportsIndex, beta_2: typing.SupportsFloat | typing.SupportsIndex, epsilon: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def beta_1(self) -> float:
        ...
    @beta_1.setter
    def beta_1(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def beta_2(self) -> float:
        ...
    @beta_2.setter
    def beta_2(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def epsilon(self) -> float:
        ...
    @epsilon.setter
    def epsilon(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
class Ftrl(Optimizer):
    def __init__(self, learning_rate: typing.SupportsFloat | typing.SupportsIndex, learning_rate_power: typing.SupportsFloat | typing.SupportsIndex, initial_accumulator_value: typing.SupportsFloat | typing.SupportsIndex, l1_regularization_strength: typing.SupportsFloat | typing.SupportsIndex, l2_regularization_strength: typing.SupportsFloat | typing.SupportsIndex, l2_shrinkage_regularization_strength: typing.SupportsFloat | typing.SupportsIndex, beta: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def beta(self) -> float:
        ...
    @beta.setter
    def beta(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def initial_accumulator_value(self) -> float:
        ...
    @initial_accumulator_value.setter
    def initial_accumulator_value(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def l1_regularization_strength(self) -> float:
        ...
    @l1_regularization_strength.setter
    def l1_regularization_strength(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def l2_regularization_strength(self) -> float:
        ...
    @l2_regularization_strength.setter
    def l2_regularization_strength(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def l2_shrinkage_regularization_strength(self) -> float:
        ...
    @l2_shrinkage_regularization_strength.setter
    def l2_shrinkage_regularization_strength(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def learning_rate_power(self) -> float:
        ...
    @learning_rate_power.setter
    def learning_rate_power(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
class Loss:
    @staticmethod
    def none() -> Loss:
        """
        No loss: an output of a multi-output model that compile(loss=[..., None]) leaves untrained
        """
    def __init__(self, name: str, from_logits: bool, label_smoothing: typing.SupportsFloat | typing.SupportsIndex, delta: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def delta(self) -> float:
        ...
    @property
    def from_logits(self) -> bool:
        ...
    @property
    def label_smoothing(self) -> float:
        ...
    @property
    def name(self) -> str:
        ...
class MetricKind:
    """
    Members:
    
      binary_accuracy
    
      categorical_accuracy
    
      sparse_categorical_accuracy
    
      top_k_categorical_accuracy
    
      sparse_top_k_categorical_accuracy
    
      mean_absolute_error
    
      mean_squared_error
    
      precision
    
      recall
    
      auc
    
      root_mean_squared_error
    
      true_positives
    
      false_positives
    
      true_negatives
    
      false_negatives
    
      fbeta_score
    
      f1_score
    
      r2_score
    
      pearson_correlation
    
      concordance_correlation
    
      precision_at_recall
    
      recall_at_precision
    
      sensitivity_at_specificity
    
      specificity_at_sensitivity
    
      io_u
    
      mean_io_u
    
      binary_io_u
    
      one_hot_io_u
    
      one_hot_mean_io_u
    """
    __members__: typing.ClassVar[dict[str, MetricKind]]
    auc: typing.ClassVar[MetricKind]
    binary_accuracy: typing.ClassVar[MetricKind]
    binary_io_u: typing.ClassVar[MetricKind]
    categorical_accuracy: typing.ClassVar[MetricKind]
    concordance_correlation: typing.ClassVar[MetricKind]
    f1_score: typing.ClassVar[MetricKind]
    false_negatives: typing.ClassVar[MetricKind]
    false_positives: typing.ClassVar[MetricKind]
    fbeta_score: typing.ClassVar[MetricKind]
    io_u: typing.ClassVar[MetricKind]
    mean_absolute_error: typing.ClassVar[MetricKind]
    mean_io_u: typing.ClassVar[MetricKind]
    mean_squared_error: typing.ClassVar[MetricKind]
    one_hot_io_u: typing.ClassVar[MetricKind]
    one_hot_mean_io_u: typing.ClassVar[MetricKind]
    pearson_correlation: typing.ClassVar[MetricKind]
    precision: typing.ClassVar[MetricKind]
    precision_at_recall: typing.ClassVar[MetricKind]
    r2_score: typing.ClassVar[MetricKind]
    recall: typing.ClassVar[MetricKind]
    recall_at_precision: typing.ClassVar[MetricKind]
    root_mean_squared_error: typing.ClassVar[MetricKind]
    sensitivity_at_specificity: typing.ClassVar[MetricKind]
    sparse_categorical_accuracy: typing.ClassVar[MetricKind]
    sparse_top_k_categorical_accuracy: typing.ClassVar[MetricKind]
    specificity_at_sensitivity: typing.ClassVar[MetricKind]
    top_k_categorical_accuracy: typing.ClassVar[MetricKind]
    true_negatives: typing.ClassVar[MetricKind]
    true_positives: typing.ClassVar[MetricKind]
    @typing.overload
    def __eq__(self, other: MetricKind) -> bool:
        ...
    @typing.overload
    def __eq__(self, other: typing.Any) -> bool:
        ...
    def __getstate__(self) -> int:
        ...
    def __hash__(self) -> int:
        ...
    def __index__(self) -> int:
        ...
    def __init__(self, value: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __int__(self) -> int:
        ...
    @typing.overload
    def __ne__(self, other: MetricKind) -> bool:
        ...
    @typing.overload
    def __ne__(self, other: typing.Any) -> bool:
        ...
    def __repr__(self) -> str:
        ...
    def __setstate__(self, state: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __str__(self) -> str:
        ...
    @property
    def name(self) -> str:
        ...
    @property
    def value(self) -> int:
        ...
class ScoreAverage:
    """
    Members:
    
      none
    
      micro
    
      macro
    
      weighted
    """
    __members__: typing.ClassVar[dict[str, ScoreAverage]]
    macro: typing.ClassVar[ScoreAverage]
    micro: typing.ClassVar[ScoreAverage]
    none: typing.ClassVar[ScoreAverage]
    weighted: typing.ClassVar[ScoreAverage]
    @typing.overload
    def __eq__(self, other: ScoreAverage) -> bool:
        ...
    @typing.overload
    def __eq__(self, other: typing.Any) -> bool:
        ...
    def __getstate__(self) -> int:
        ...
    def __hash__(self) -> int:
        ...
    def __index__(self) -> int:
        ...
    def __init__(self, value: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __int__(self) -> int:
        ...
    @typing.overload
    def __ne__(self, other: ScoreAverage) -> bool:
        ...
    @typing.overload
    def __ne__(self, other: typing.Any) -> bool:
        ...
    def __repr__(self) -> str:
        ...
    def __setstate__(self, state: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __str__(self) -> str:
        ...
    @property
    def name(self) -> str:
        ...
    @property
    def value(self) -> int:
        ...
class ClassAggregation:
    """
    Members:
    
      none
    
      uniform_average
    
      variance_weighted_average
    """
    __members__: typing.ClassVar[dict[str, ClassAggregation]]
    none: typing.ClassVar[ClassAggregation]
    uniform_average: typing.ClassVar[ClassAggregation]
    variance_weighted_average: typing.ClassVar[ClassAggregation]
    @typing.overload
    def __eq__(self, other: ClassAggregation) -> bool:
        ...
    @typing.overload
    def __eq__(self, other: typing.Any) -> bool:
        ...
    def __getstate__(self) -> int:
        ...
    def __hash__(self) -> int:
        ...
    def __index__(self) -> int:
        ...
    def __init__(self, value: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __int__(self) -> int:
        ...
    @typing.overload
    def __ne__(self, other: ClassAggregation) -> bool:
        ...
    @typing.overload
    def __ne__(self, other: typing.Any) -> bool:
        ...
    def __repr__(self) -> str:
        ...
    def __setstate__(self, state: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __str__(self) -> str:
        ...
    @property
    def name(self) -> str:
        ...
    @property
    def value(self) -> int:
        ...
class AucSummation:
    """
    Members:
    
      interpolation
    
      minoring
    
      majoring
    """
    __members__: typing.ClassVar[dict[str, AucSummation]]
    interpolation: typing.ClassVar[AucSummation]
    majoring: typing.ClassVar[AucSummation]
    minoring: typing.ClassVar[AucSummation]
    @typing.overload
    def __eq__(self, other: AucSummation) -> bool:
        ...
    @typing.overload
    def __eq__(self, other: typing.Any) -> bool:
        ...
    def __getstate__(self) -> int:
        ...
    def __hash__(self) -> int:
        ...
    def __index__(self) -> int:
        ...
    def __init__(self, value: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __int__(self) -> int:
        ...
    @typing.overload
    def __ne__(self, other: AucSummation) -> bool:
        ...
    @typing.overload
    def __ne__(self, other: typing.Any) -> bool:
        ...
    def __repr__(self) -> str:
        ...
    def __setstate__(self, state: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __str__(self) -> str:
        ...
    @property
    def name(self) -> str:
        ...
    @property
    def value(self) -> int:
        ...
class MetricSpec:
    def __init__(self, kind: MetricKind, threshold: typing.SupportsFloat | typing.SupportsIndex = 0.5, k: typing.SupportsInt | typing.SupportsIndex = 5, num_thresholds: typing.SupportsInt | typing.SupportsIndex = 200, pr_curve: bool = False, weighted: bool = False, summation: AucSummation = AucSummation.interpolation, from_logits: bool = False, threshold_list: collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex] = [], beta: typing.SupportsFloat | typing.SupportsIndex = 1.0, average: ScoreAverage = ScoreAverage.none, aggregation: ClassAggregation = ClassAggregation.uniform_average, num_regressors: typing.SupportsInt | typing.SupportsIndex = 0, value: typing.SupportsFloat | typing.SupportsIndex = 0.5, class_id: typing.SupportsInt | typing.SupportsIndex = -1, num_classes: typing.SupportsInt | typing.SupportsIndex = 0, target_class_ids: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex] = [], ignore_class: typing.SupportsInt | typing.SupportsIndex | None = None, sparse_y_true: bool = True, sparse_y_pred: bool = True, integer_weights: bool = True) -> None:
        ...
    @property
    def kind(self) -> MetricKind:
        ...
    @property
    def sparse_targets(self) -> bool:
        ...
    @property
    def thresholds(self) -> list[float]:
        ...
    @property
    def vector_result(self) -> bool:
        ...
    @property
    def weighted(self) -> bool:
        ...
class MetricState:
    def __init__(self) -> None:
        ...
    def merge(self, arg0: MetricState) -> None:
        ...
    def reset(self) -> None:
        """
        Back to no batches, in place.
        """
    @property
    def count(self) -> float:
        ...
    @property
    def sums(self) -> list[float]:
        ...
    @property
    def total(self) -> float:
        ...
class Stats:
    def __init__(self) -> None:
        ...
    def merge(self, later: Stats) -> None:
        ...
    @property
    def loss_sum(self) -> float:
        ...
    @property
    def non_finite(self) -> bool:
        ...
    @property
    def non_finite_step(self) -> int:
        ...
    @property
    def output_loss_sums(self) -> list[float]:
        ...
    @property
    def samples(self) -> int:
        ...
    @property
    def steps(self) -> int:
        ...
class Trainer:
    gradient_reducer: distributed.GradientReducer
    def __init__(self, model: Model, losses: collections.abc.Sequence[Loss], loss_weights: collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex], optimizer: Optimizer, metrics: collections.abc.Sequence[collections.abc.Sequence[MetricSpec]]) -> None:
        ...
    def evaluate(self, xs: collections.abc.Sequence[Tensor], ys: collections.abc.Sequence[Tensor], sample_weight: Tensor | None, batch_size: typing.SupportsInt | typing.SupportsIndex) -> Stats:
        ...
    def metric_results(self, stats: Stats) -> list[float]:
        ...
    def metric_values(self, stats: Stats) -> list[list[float]]:
        ...
    def predict(self, xs: collections.abc.Sequence[Tensor], batch_size: typing.SupportsInt | typing.SupportsIndex) -> list[Tensor]:
        ...
    def test_batch(self, xs: collections.abc.Sequence[Tensor], ys: collections.abc.Sequence[Tensor], sample_weight: Tensor | None) -> Stats:
        ...
    def train(self, xs: collections.abc.Sequence[Tensor], ys: collections.abc.Sequence[Tensor], sample_weight: Tensor | None, order: typing.Annotated[numpy.typing.ArrayLike, numpy.int64] | None, batch_size: typing.SupportsInt | typing.SupportsIndex, first_batch: typing.SupportsInt | typing.SupportsIndex, num_batches: typing.SupportsInt | typing.SupportsIndex) -> Stats:
        ...
    def train_batch(self, xs: collections.abc.Sequence[Tensor], ys: collections.abc.Sequence[Tensor], sample_weight: Tensor | None) -> Stats:
        ...
class Predictor:
    def __init__(self, model: Model) -> None:
        ...
    def predict(self, xs: collections.abc.Sequence[Tensor], batch_size: typing.SupportsInt | typing.SupportsIndex, keep_activity: bool = False) -> list[Tensor]:
        ...
    def predict_array(self, x: numpy.ndarray, batch_size: typing.SupportsInt | typing.SupportsIndex, keep_activity: bool = False) -> typing.Any:
        """
        predict of one float32 C-order array (a list of numpy arrays, one per output); None when x needs converting or holds a NaN or an Inf. keep_activity: the layers keep the activity penalties of the last batch (a direct call, model(x)), which predict clears
        """
class StepProgram:
    def __init__(self, num_inputs: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def add_apply_gradients(self, optimizer: Optimizer, grads: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex], variables: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex]) -> None:
        ...
    def add_assign(self, kind: str, target: typing.SupportsInt | typing.SupportsIndex, value: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def add_capture(self, tensor: Tensor) -> int:
        ...
    def add_gradient(self, target: typing.SupportsInt | typing.SupportsIndex, sources: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex]) -> int:
        ...
    def add_layer_call(self, layer: Layer, inputs: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex], num_outputs: typing.SupportsInt | typing.SupportsIndex, training: typing.SupportsInt | typing.SupportsIndex) -> int:
        ...
    def add_loss(self, name: str, from_logits: bool, label_smoothing: typing.SupportsFloat | typing.SupportsIndex, delta: typing.SupportsFloat | typing.SupportsIndex, inputs: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex]) -> int:
        ...
    def add_metric_result(self, spec: MetricSpec, state: MetricState) -> int:
        ...
    def add_metric_update(self, spec: MetricSpec, state: MetricState, inputs: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex]) -> None:
        ...
    def add_model_call(self, model: Model, inputs: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex], num_outputs: typing.SupportsInt | typing.SupportsIndex, training: bool) -> int:
        ...
    def add_op(self, op: str, attrs: dict, inputs: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex], num_outputs: typing.SupportsInt | typing.SupportsIndex, patches: collections.abc.Sequence[tuple[str, typing.SupportsInt | typing.SupportsIndex, typing.SupportsInt | typing.SupportsIndex, typing.SupportsInt | typing.SupportsIndex]]) -> int:
        ...
    def add_penalty(self, model: Model) -> int:
        ...
    def run(self, inputs: collections.abc.Sequence[Tensor]) -> list:
        """
        One step on one batch (inputs in the traced order); the step's outputs.
        """
    def run_chunk(self, arrays: collections.abc.Sequence[Tensor], order: typing.Annotated[numpy.typing.ArrayLike, numpy.int64] | None, batch_size: typing.SupportsInt | typing.SupportsIndex, first_batch: typing.SupportsInt | typing.SupportsIndex, num_batches: typing.SupportsInt | typing.SupportsIndex) -> list:
        """
        Batches first_batch.. of an epoch over whole arrays (rows in `order`); the last step's outputs.
        """
    def set_outputs(self, outputs: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex]) -> None:
        ...
    @property
    def step_ops(self) -> list[str]:
        ...
def activation_canonical_name(name: str) -> str:
    """
    The canonical name of an activation name or alias (swish -> silu).
    """
def activation_default_alpha(name: str) -> float:
    """
    Keras's default for the one parameter of an activation given by name (0: none).
    """
def activation_elementwise(name: str) -> bool:
    """
    False for the activations that act on whole rows of an axis (softmax, glu, ...).
    """
def activation_names() -> list[str]:
    """
    Every activation name (Keras aliases included).
    """
def active_isa() -> str:
    """
    The instruction set the kernels use now (raises if NERVE_ISA is invalid).
    """
def allocation_count(device: str) -> int:
    """
    Storage allocations made on a device type so far.
    """
def available_devices() -> list[str]:
    """
    The registered devices by name.
    """
def bf16_kernel() -> str:
    """
    The kernel sgemm_bf16 uses now: 'amx', 'avx512_bf16' or 'plain'.
    """
def compiled_isas() -> list[str]:
    ...
def config() -> dict:
    """
    Runtime configuration: ISA in use, detected ISA, threads, conv algorithm, OpenMP, GEMM blocking, bfloat16 kernel.
    """
def conv_algorithm() -> str:
    """
    The algorithm 3x3 stride-1 convolutions use: 'auto', 'direct' or 'winograd'.
    """
def current_device() -> str:
    """
    The device where new tensors, weights and numpy inputs go (nerve.device sets it).
    """
def detected_isa() -> str:
    """
    The best instruction set this CPU and OS support (CPUID/XGETBV).
    """
def flush_denormals() -> bool:
    """
    Whether kernels compute with denormal floats flushed to zero (FTZ and DAZ).
    """
def grad_enabled() -> bool:
    ...
def gradients(target: Tensor, sources: collections.abc.Sequence[Tensor], output_gradient: Tensor | None = None) -> list:
    ...
def has_openmp() -> bool:
    ...
def initialize(tensor: Tensor, initializer: Initializer, fan_in: typing.SupportsInt | typing.SupportsIndex, fan_out: typing.SupportsInt | typing.SupportsIndex, seed: typing.SupportsInt | typing.SupportsIndex) -> None:
    """
    Fill a tensor in place (for tests and custom weights).
    """
def initializer_names() -> list[str]:
    """
    Every initializer name.
    """
def layer_config(layer: Layer) -> dict:
    """
    The arguments a layer was made with, by name (initializers by name).
    """
def layer_spec(type: str) -> list:
    """
    [(name, kind, required, optional, default)] in declaration order
    """
def loss_canonical_name(name: str) -> str:
    """
    The canonical name of a loss name or alias (mse -> mean_squared_error).
    """
def loss_names() -> list[str]:
    """
    Every loss name (Keras aliases included).
    """
def make_layer(type: str, name: str, kwargs: dict) -> Layer:
    ...
def measure_fma_peak(threads: typing.SupportsInt | typing.SupportsIndex = 1) -> float:
    """
    Benchmark helper: FMA throughput (GFLOP/s) of the active ISA with `threads` threads.
    """
def metric_result(spec: MetricSpec, state: MetricState) -> float:
    ...
def metric_values(spec: MetricSpec, state: MetricState) -> list[float]:
    ...
def next_seed() -> int:
    ...
def num_threads() -> int:
    """
    Threads used by parallel kernels (GEMM).
    """
def registered_layers() -> list[str]:
    """
    Layer classes declared with an arguments table.
    """
def set_bf16_kernel(name: str) -> None:
    """
    Force the bfloat16 GEMM kernel: 'amx', 'avx512_bf16' or 'plain' (for tests and benchmarks). Raises RuntimeError when this machine cannot run it, ValueError for an unknown name.
    """
def set_conv_algorithm(name: str) -> None:
    """
    'auto' (Winograd F(4x4,3x3) from 3 input channels and 4 filters), 'direct' (implicit GEMM / im2col) or 'winograd' (wherever it applies). Starts at NERVE_CONV_ALGORITHM, else 'auto'.
    """
def set_current_device(name: str) -> None:
    """
    Sets the current device by name ('cpu', 'poison:0'); ValueError lists the devices.
    """
def set_flush_denormals(on: bool) -> None:
    """
    Turn flushing of denormal floats in nerve's kernels on or off.
    """
def set_grad_enabled(enabled: bool) -> bool:
    """
    Turns op recording on or off for this thread; returns the previous setting.
    """
def set_isa(name: str) -> None:
    """
    Force the kernel ISA: 'avx512', 'avx2' or 'generic' (for tests and benchmarks). Raises RuntimeError when the CPU lacks it, ValueError for an unknown name.
    """
def set_num_threads(n: typing.SupportsInt | typing.SupportsIndex) -> None:
    """
    Set the number of threads used by parallel kernels (overrides OMP_NUM_THREADS).
    """
def set_seed(seed: typing.SupportsInt | typing.SupportsIndex) -> None:
    ...
def sgemm(a: numpy.ndarray, b: numpy.ndarray, c: typing.Any = None, alpha: typing.SupportsFloat | typing.SupportsIndex = 1.0, beta: typing.SupportsFloat | typing.SupportsIndex = 0.0, trans_a: bool = False, trans_b: bool = False, bias: typing.Any = None, activation: str = 'linear', act_alpha: typing.SupportsFloat | typing.SupportsIndex = 0.0) -> numpy.ndarray:
    """
    c = act(alpha * op(a) @ op(b) + beta * c + bias), op = transpose when trans_*.
    a, b, c: 2-D float32 with contiguous rows (row stride may be larger: column slices are
    fine). c is updated in place and returned; without c a new array is returned.
    """
def sgemm_bf16(a: numpy.ndarray, b: numpy.ndarray, c: typing.Any = None, alpha: typing.SupportsFloat | typing.SupportsIndex = 1.0, beta: typing.SupportsFloat | typing.SupportsIndex = 0.0, trans_a: bool = False, trans_b: bool = False, bias: typing.Any = None, activation: str = 'linear', act_alpha: typing.SupportsFloat | typing.SupportsIndex = 0.0) -> numpy.ndarray:
    """
    sgemm with op(a) and op(b) rounded to bfloat16 (nearest even) and float32 sums, on the
    bfloat16 kernel in use (bf16_kernel(): amx, avx512_bf16 or plain). Same arguments as sgemm.
    """
def update_metric(spec: MetricSpec, state: MetricState, pred: Tensor, target: Tensor, sample_weight: Tensor | None) -> None:
    ...
def usable_bf16_kernels() -> list[str]:
    ...
__version__: str = '0.1.0'
build_info: dict[str, str]
