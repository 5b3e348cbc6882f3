// Python sees a nerve::Shape exactly as it saw the std::vector<int64_t> it replaced: any sequence
// of ints converts in, a list of ints comes out, and signatures (and so the stubs) say list[int].
// Every binding file must see this caster (bindings.h includes it), or pybind11 would treat Shape
// as an unregistered class.
#pragma once
#include <pybind11/stl.h>

#include "nerve/shape.h"

namespace pybind11::detail {
template <>
struct type_caster<nerve::Shape> : list_caster<nerve::Shape, int64_t> {};
}  // namespace pybind11::detail
