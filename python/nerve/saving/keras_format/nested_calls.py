"""The calls of a model used as a layer inside a functional model, as Keras's inbound nodes.

nerve runs a nested model inline: calling it on symbolic tensors replays its graph, so the outer
graph holds one node per layer call inside it (each node's `owner` is the nested model) and no
node for the model itself. Keras keeps one node per call of the model. The replay makes, for
each call, one node per node of the model's own graph, in that graph's order, so the k-th node a
layer got from calls of the model belongs to call k // (the layer's nodes in the model's graph):
that maps every outer node to a call and to the node of the model's graph it repeats, and from
those the tensors each call read and made.
"""

from __future__ import annotations


def _own_graph(model):
    """The GraphNetwork of a functional model or of a built Sequential."""
    graph = getattr(model, "_symbolic", None) or getattr(model, "_graph", None)
    if graph is None:
        raise ValueError(f"save: model '{model.name}' inside another model is not built")
    return graph


def _by_call(model, nodes: list, graph) -> dict:
    """{call number: {id(node of the model's graph): the node its replay made}}, for the calls
    that made `nodes`; whole calls, also the nodes the outer graph does not need (an output of
    the call it never reads), since Keras keeps the whole call."""
    inner_of_layer = {}  # id(layer) -> its nodes in the model's own graph
    for n in graph.nodes:
        inner_of_layer.setdefault(id(n.layer), []).append(n)
    made_by_calls = {}  # id(layer) -> the nodes calls of `model` made, in order

    def made(layer) -> list:
        if id(layer) not in made_by_calls:
            made_by_calls[id(layer)] = [n for n in layer._inbound_nodes if n.owner is model]
        return made_by_calls[id(layer)]

    numbers = set()
    for node in nodes:
        inner = inner_of_layer.get(id(node.layer))
        index = next((i for i, n in enumerate(made(node.layer)) if n is node), None)
        if not inner or index is None:
            raise ValueError(
                f"save: the calls of model '{model.name}' inside another model cannot be told "
                f"apart (layer {node.layer.name!r}), which a .keras file needs"
            )
        numbers.add(index // len(inner))
    calls = {}
    for number in sorted(numbers):
        calls[number] = {}
        for inner in inner_of_layer.values():
            nodes_of_layer = made(inner[0].layer)
            for k, n in enumerate(inner):
                if number * len(inner) + k < len(nodes_of_layer):
                    calls[number][id(n)] = nodes_of_layer[number * len(inner) + k]
    return calls


def _training(model, pairs: list):
    """The training=True/False a call of `model` forced on its layers, or None."""
    if all(outer.training == inner.training for inner, outer in pairs):
        return None
    forced = {outer.training for _, outer in pairs}
    if len(forced) == 1 and None not in forced:
        return forced.pop()
    raise ValueError(
        f"save: model '{model.name}' is called inside another model with training modes that "
        f"differ between its layers, which a .keras file cannot express"
    )


def _repeats(outer_tensor, inner_tensor, repeats: dict) -> bool:
    """Whether `outer_tensor` is what the call made where the model's graph has `inner_tensor`
    (a check that the nodes were matched to the right call)."""
    outer = repeats.get(id(inner_tensor._node))
    return outer is not None and outer.outputs[inner_tensor._index] is outer_tensor


def calls(model, nodes: list, tensor_refs: dict) -> list:
    """[(the outer tensors a call of `model` read, in its inputs' order; the training mode it
    forced or None)] per call, in call order. `nodes`: the outer graph's nodes the calls made.
    Adds [model name, call number, output index] to `tensor_refs` for the tensors each call
    returned (an output that is one of the model's inputs is that input, and needs none)."""
    graph = _own_graph(model)
    position = {id(kt): i for i, kt in enumerate(graph.inputs)}
    out = []
    for number, (_, repeats) in enumerate(sorted(_by_call(model, nodes, graph).items())):
        inputs = [None] * len(graph.inputs)
        pairs = []
        for inner in graph.nodes:
            outer = repeats.get(id(inner))
            if outer is None:
                continue
            pairs.append((inner, outer))
            for p, kt in enumerate(inner.inputs):
                if id(kt) in position:
                    inputs[position[id(kt)]] = outer.inputs[p]
                elif not _repeats(outer.inputs[p], kt, repeats):
                    raise ValueError(
                        f"save: the calls of model '{model.name}' inside another model cannot "
                        f"be told apart (layer {inner.layer.name!r}), which a .keras file needs"
                    )
        if any(t is None for t in inputs):
            raise ValueError(
                f"save: model '{model.name}' is called inside another model, but which tensor "
                f"feeds each of its inputs cannot be found (an input none of its layers reads?), "
                f"which a .keras file needs"
            )
        for j, kt in enumerate(graph.outputs):
            outer = repeats.get(id(kt._node))
            if id(kt) not in position and outer is not None:
                tensor_refs[id(outer.outputs[kt._index])] = [model.name, number, j]
        out.append((inputs, _training(model, pairs)))
    return out


def node(model, inputs: list, training, ref) -> dict:
    """One call of a nested model as Keras writes it: a single input as itself, a list of
    inputs as a list, a dict of inputs as a dict; the forced training mode, else Keras's mask
    argument (None: nerve has no masks)."""
    refs = [ref(kt) for kt in inputs]
    keys = getattr(model, "_input_keys", None)
    if keys is not None:  # a dict of inputs: a dict in the order the model was given it
        by_key = dict(zip(keys, refs))
        order = model._input_order
        kwargs = {"training": bool(training)} if training is not None else {}
        if training is None:
            kwargs["mask"] = {k: None for k in order}
        return {"args": [{k: by_key[k] for k in order}], "kwargs": kwargs}
    single = len(refs) == 1 and getattr(model, "_single_input", True)
    if training is not None:
        kwargs = {"training": bool(training)}
    else:
        kwargs = {"mask": None if single else [None] * len(refs)}
    return {"args": refs if single else [refs], "kwargs": kwargs}
