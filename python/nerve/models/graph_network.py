"""GraphNetwork: the layer calls between symbolic inputs and outputs, wired into a C++ GraphModel.

It walks back from the output KerasTensors to the inputs, orders the layer calls topologically
and wires the C++ GraphModel, which runs the forward pass (and, through the Trainer, whole
training steps) with no Python in between. Functional models are one; a subclassed model's traced
`call` and a built Sequential's symbolic graph are one too.
"""

from __future__ import annotations

from .. import _core
from ..layers._shapes import to_core
from ..layers.base import InputLayer
from ..layers.symbolic import KerasTensor, Node


def node_core(node):
    """The C++ layer a node runs: a Python layer has one per input shape and call arguments."""
    return node.core if node.core is not None else node.layer._core


def _check_one_trace_per_penalised_layer(nodes) -> None:
    """Each trace of a Python layer counts the penalties of its weights: a graph may hold
    several traces of one layer (other shapes, other call arguments) only when it has none."""
    cores: dict = {}
    for node in nodes:
        if node.core is not None:
            cores.setdefault(id(node.layer), (node.layer, set()))[1].add(id(node.core))
    for layer, ids in cores.values():
        if len(ids) > 1 and layer._has_weight_penalties():
            raise ValueError(
                f"{type(layer).__name__} '{layer.name}' is called in this model on different "
                f"input shapes or call arguments, so it runs as several traces, and its weights "
                f"have regularizers, whose penalties each trace would add again: this is not "
                f"supported yet (use one call signature, or one layer per signature)"
            )


def as_list(x) -> list:
    """One value or a list / tuple of them, as a list (a model's inputs and outputs)."""
    return list(x) if isinstance(x, (list, tuple)) else [x]


class GraphNetwork:
    """The layer calls between `inputs` and `outputs` (KerasTensors), and their C++ graph."""

    def __init__(self, inputs: list, outputs: list):
        for kt in inputs:
            if not isinstance(kt, KerasTensor) or not isinstance(kt._node.layer, InputLayer):
                raise TypeError(f"Model inputs must be tensors made by nerve.Input, got {kt!r}")
        for kt in outputs:
            if not isinstance(kt, KerasTensor):
                raise TypeError(
                    f"Model outputs must be symbolic tensors (the result of calling "
                    f"layers on nerve.Input), got {type(kt).__name__}"
                )
        if len({id(kt) for kt in inputs}) != len(inputs):
            raise ValueError("Model: the same Input is listed twice in inputs")
        self.inputs, self.outputs = list(inputs), list(outputs)
        self.nodes = self._topological_nodes()
        # Inputs, then each layer at its first call: the order of a traced (subclassed) call.
        self.layers_in_call_order = [kt._node.layer for kt in self.inputs]
        for node in self.nodes:
            if node.layer not in self.layers_in_call_order:
                self.layers_in_call_order.append(node.layer)
        self.layers = self._keras_layer_order()
        self._units = {}  # (id(model), call_order) -> (model, units): see units()
        _check_one_trace_per_penalised_layer(self.nodes)
        self.core = _core.GraphModel()
        refs = {}  # id(KerasTensor) -> (C++ node id, output index)
        for kt in self.inputs:
            refs[id(kt)] = (self.core.add_input(to_core(kt._sample_shape)), 0)
        for node in self.nodes:
            nid = self.core.add_node(node_core(node), [refs[id(t)] for t in node.inputs])
            for i, kt in enumerate(node.outputs):
                refs[id(kt)] = (nid, i)
        self.core.set_outputs([refs[id(kt)] for kt in self.outputs])
        self.output_names = self._unique_names([kt.name for kt in self.outputs])

    def _topological_nodes(self) -> list:
        """The non-input nodes the outputs depend on, each after the nodes it reads."""
        input_ids = {id(kt) for kt in self.inputs}
        order, done = [], set()
        for out in self.outputs:
            if id(out) in input_ids:
                continue
            stack = [(out._node, 0)]
            while stack:
                node, i = stack.pop()
                if id(node) in done:
                    continue
                if i == 0:
                    if node.is_input:
                        raise ValueError(
                            f"Graph disconnected: the output depends on input "
                            f"'{node.layer.name}' {node.outputs[0].shape}, which is not in the "
                            f"model's inputs {[kt.name for kt in self.inputs]}"
                        )
                if i < len(node.inputs):
                    stack.append((node, i + 1))
                    src = node.inputs[i]
                    if id(src) not in input_ids and id(src._node) not in done:
                        stack.append((src._node, 0))
                else:
                    done.add(id(node))
                    order.append(node)
        return order

    def _keras_layer_order(self) -> list:
        """The layers in the order Keras lists a functional model's layers (and so its
        get_weights / set_weights order): by decreasing depth, a layer's depth being the longest
        path from its calls to an output; ties in the order a depth-first walk from the outputs
        (each node's inputs in order) first reaches them."""
        first_seen, entered = {}, set()
        for out in self.outputs:
            stack = [out]
            while stack:
                node = stack.pop()._node
                if id(node) in entered:
                    continue
                entered.add(id(node))
                first_seen.setdefault(id(node.layer), len(first_seen))
                if not node.is_input:
                    stack.extend(reversed(node.inputs))
        node_depth, layer_depth = {}, {}
        for node in reversed([kt._node for kt in self.inputs] + self.nodes):
            depth = max(node_depth.get(id(node), 0), layer_depth.get(id(node.layer), 0))
            layer_depth[id(node.layer)] = node_depth[id(node)] = depth
            if not node.is_input:
                for t in node.inputs:
                    node_depth[id(t._node)] = max(depth + 1, node_depth.get(id(t._node), 0))
        # An input no output depends on: depth 0, before the other layers of that depth.
        return sorted(
            self.layers_in_call_order,
            key=lambda l: (-layer_depth[id(l)], first_seen.get(id(l), -1)),
        )

    @staticmethod
    def _unique_names(names: list) -> list:
        seen, out = {}, []
        for n in names:
            k = seen.get(n, 0)
            seen[n] = k + 1
            out.append(n if k == 0 else f"{n}_{k}")
        return out

    def units(self, model, call_order: bool = False) -> list:
        """The model's layers in Keras' order (by decreasing depth) or, for a traced subclassed
        call, in call order; the layers a nested model's call made (see symbolic.calling_model)
        stand for that model, listed once, where its first layer is.
        The graph never changes once made, so each answer is kept: the per-step checks of
        train_on_batch and predict_on_batch ask for it every call."""
        key = (id(model), call_order)
        kept = self._units.get(key)
        if kept is not None and kept[0] is model:
            return list(kept[1])
        owner = {}
        for n in self.nodes:
            if n.owner is not None and n.owner is not model:
                owner.setdefault(id(n.layer), n.owner)
        out = []
        for layer in self.layers_in_call_order if call_order else self.layers:
            unit = owner.get(id(layer), layer)
            if not any(unit is o for o in out):
                out.append(unit)
        self._units[key] = (model, out)
        return list(out)

    def node_index(self, node: Node) -> int:
        """Which call of its layer `node` is, counting only calls inside this graph."""
        if node.is_input:
            return 0
        return [n for n in self.nodes if n.layer is node.layer].index(node)

    def replay(self, inputs: list) -> list:
        """Calls this graph's layers on new symbolic inputs (sharing their weights)."""
        if len(inputs) != len(self.inputs):
            raise ValueError(f"the model takes {len(self.inputs)} input(s), got {len(inputs)}")
        value = {id(old): new for old, new in zip(self.inputs, inputs)}
        for node in self.nodes:
            args = [value[id(t)] for t in node.inputs]
            outs = as_list(
                node.layer(
                    args if len(args) > 1 else args[0], training=node.training, **node.call_kwargs
                )
            )
            for old, new in zip(node.outputs, outs):
                value[id(old)] = new
        return [value[id(kt)] for kt in self.outputs]
