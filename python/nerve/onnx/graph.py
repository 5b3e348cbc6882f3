"""GraphBuilder: the ONNX nodes and initializers of one export, with unique tensor names and the
few ops whose form changed between opsets (reductions take their axes as an input from opset 18).
"""

from __future__ import annotations

import numpy as np


class GraphBuilder:
    """Collects nodes and weights; every method returns the name of the tensor it made."""

    def __init__(self, onnx, opset: int):
        self.onnx = onnx
        self.opset = opset
        self.nodes: list = []
        self.initializers: list = []
        self._used: set = set()
        self._consts: dict = {}  # (dtype, shape, bytes) -> name: equal constants stored once

    def fresh(self, base: str) -> str:
        """A tensor name not used yet in this graph, from `base`."""
        name, k = base, 1
        while name in self._used:
            name, k = f"{base}_{k}", k + 1
        self._used.add(name)
        return name

    def const(self, value, base: str, dtype=np.float32) -> str:
        """An initializer holding `value` (float32 unless told). A value stored already (a shared
        layer's weights, a repeated axes list) is not stored again."""
        array = np.ascontiguousarray(np.asarray(value, dtype=dtype))
        key = (array.dtype.str, array.shape, array.tobytes())
        if key not in self._consts:
            name = self.fresh(base)
            self.initializers.append(self.onnx.numpy_helper.from_array(array, name))
            self._consts[key] = name
        return self._consts[key]

    def ints(self, values, base: str) -> str:
        return self.const(list(values), base, np.int64)

    def op(self, op_type: str, inputs: list, base: str, outputs: int = 1, **attrs):
        """Adds one node; returns its output name (a list of names when outputs > 1)."""
        names = [
            self.fresh(f"{base}/{op_type}" + (f":{i}" if outputs > 1 else ""))
            for i in range(outputs)
        ]
        self.nodes.append(
            self.onnx.helper.make_node(
                op_type, list(inputs), names, name=self.fresh(f"{base}/{op_type}_node"), **attrs
            )
        )
        return names[0] if outputs == 1 else names

    def transpose(self, x: str, perm, base: str) -> str:
        return self.op("Transpose", [x], base, perm=list(perm))

    def squeeze(self, x: str, axes, base: str) -> str:
        return self.op("Squeeze", [x, self.ints(axes, f"{base}/axes")], base)

    def unsqueeze(self, x: str, axes, base: str) -> str:
        return self.op("Unsqueeze", [x, self.ints(axes, f"{base}/axes")], base)

    def reduce(self, op_type: str, x: str, axes, keepdims: bool, base: str) -> str:
        """ReduceMean / ReduceMax over `axes` (an attribute up to opset 17, an input after)."""
        if self.opset >= 18:
            return self.op(
                op_type, [x, self.ints(axes, f"{base}/axes")], base, keepdims=int(keepdims)
            )
        return self.op(op_type, [x], base, axes=list(axes), keepdims=int(keepdims))

    def clip(self, x: str, low, high, base: str) -> str:
        lo = "" if low is None else self.const(low, f"{base}/min")
        hi = "" if high is None else self.const(high, f"{base}/max")
        return self.op("Clip", [x, lo, hi] if hi else [x, lo], base)

    def scalar_op(self, op_type: str, x: str, value: float, base: str) -> str:
        """x <op> value (Add, Sub, Mul, Div) with a float32 scalar."""
        return self.op(op_type, [x, self.const(value, f"{base}/c")], base)

    def dims(self, x: str, start: int, end: int, base: str) -> str:
        """x's sizes start..end-1 at run time (an int64 vector): the batch or a sequence length."""
        shape = self.op("Shape", [x], base)
        return self.op(
            "Slice",
            [shape, self.ints([start], f"{base}/start"), self.ints([end], f"{base}/end")],
            base,
        )

    def reverse(self, x: str, axis: int, base: str) -> str:
        """x in reverse order along `axis` (a time axis)."""
        inputs = [
            x,
            self.ints([-1], f"{base}/start"),
            self.ints([np.iinfo(np.int64).min], f"{base}/end"),
            self.ints([axis], f"{base}/axis"),
            self.ints([-1], f"{base}/step"),
        ]
        return self.op("Slice", inputs, f"{base}/reverse")
