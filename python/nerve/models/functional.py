"""Functional models: nerve.Model(inputs, outputs) over a graph of layer calls (a GraphNetwork,
graph_network.py), which runs in C++ with no Python in between."""

from __future__ import annotations

from ..layers.base import InputLayer
from ..saving.serialization import deserialize_layer, serialize_layer
from .graph_network import GraphNetwork, as_list
from .model import Model

_count = 0


class Functional(Model):
    """A model defined by its symbolic inputs and outputs: nerve.Model(inputs=..., outputs=...).

    Several inputs and outputs (pass lists; outputs may also be a dict keyed by name, as in
    Keras 3: predict and calls then return dicts, and compile, fit and evaluate take losses,
    metrics and targets keyed by those names; inputs may be a dict too, as in Keras 3: calls,
    fit, evaluate and predict then take x as a dict keyed the same way), shared layers (one
    layer object called at several places shares its weights), and merge layers (Add,
    Concatenate, ...) to join branches.
    """

    _traces_call = False

    def __init__(self, inputs, outputs, name: str | None = None, trainable: bool = True):
        global _count
        super().__init__(
            name=name or ("functional" if _count == 0 else f"functional_{_count}"),
            trainable=trainable,
        )
        _count += 1
        self._single_input = not isinstance(inputs, (list, tuple, dict))
        if isinstance(inputs, dict):
            inputs = self._set_input_keys(inputs)
        self._single_output = not isinstance(outputs, (list, tuple, dict))
        if isinstance(outputs, dict):
            outputs = self._set_output_keys(outputs)
        self._graph = GraphNetwork(as_list(inputs), as_list(outputs))
        if not self._trainable:
            self.trainable = False

    def build(self, input_shape) -> None:
        """A functional model is built when it is created."""

    def call(self, inputs, training=None):
        return self(inputs, training=training)

    def get_config(self) -> dict:
        g = self._graph

        def ref(kt):
            return [kt._node.layer.name, g.node_index(kt._node), kt._index]

        return {
            "name": self.name,
            "trainable": self.trainable,
            "layers": [serialize_layer(layer) for layer in g.layers],
            "nodes": [self._node_config(n, ref) for n in g.nodes],
            "input_layers": (
                [ref(kt) for kt in g.inputs]
                if self._input_keys is None
                else {k: ref(g.inputs[self._input_keys.index(k)]) for k in self._input_order}
            ),
            "output_layers": (
                [ref(kt) for kt in g.outputs]
                if self._output_keys is None
                else {k: ref(g.outputs[self._output_keys.index(k)]) for k in self._output_order}
            ),
            "single_input": self._single_input,
            "single_output": self._single_output,
        }

    @staticmethod
    def _node_config(node, ref) -> dict:
        """One layer call: its layer, its inputs, and the call arguments (use_causal_mask=, a
        forced training=) that a rebuilt model must pass again."""
        entry = {"layer": node.layer.name, "inputs": [ref(t) for t in node.inputs]}
        if node.call_kwargs:
            entry["call_kwargs"] = dict(node.call_kwargs)
        if node.training is not None:
            entry["training"] = bool(node.training)
        return entry

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        layers = {}
        for entry in config["layers"]:
            layer = deserialize_layer(entry, custom_objects)
            layers[layer.name] = layer
        outputs = {}  # (layer name, node index) -> list of KerasTensors

        def lookup(r):
            name, node_index, tensor_index = r
            return outputs[(name, int(node_index))][int(tensor_index)]

        for layer in layers.values():
            if isinstance(layer, InputLayer):
                outputs[(layer.name, 0)] = [layer._output]
        calls = {}
        for node in config["nodes"]:
            layer = layers[node["layer"]]
            args = [lookup(r) for r in node["inputs"]]
            k = calls.get(layer.name, 0)
            calls[layer.name] = k + 1
            outputs[(layer.name, k)] = as_list(
                layer(
                    args if len(args) > 1 else args[0],
                    training=node.get("training"),
                    **node.get("call_kwargs", {}),
                )
            )
        if isinstance(config["input_layers"], dict):  # a dict of inputs, keyed by name
            ins = {k: lookup(r) for k, r in config["input_layers"].items()}
        else:
            ins = [lookup(r) for r in config["input_layers"]]
        if isinstance(config["output_layers"], dict):  # a dict of outputs, keyed by name
            outs = {k: lookup(r) for k, r in config["output_layers"].items()}
        else:
            outs = [lookup(r) for r in config["output_layers"]]
            if config.get("single_output") and len(outs) == 1:
                outs = outs[0]
        model = cls(
            ins[0]
            if config.get("single_input") and isinstance(ins, list) and len(ins) == 1
            else ins,
            outs,
            name=config.get("name"),
        )
        model._trainable = bool(config.get("trainable", True))  # the layers keep their flags
        return model


# nerve.Model(inputs, outputs) and Model.from_config of a functional config make this class.
Model._functional = Functional
