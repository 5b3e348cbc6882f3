// The families of registered ops (nerve/op_registry.h): each file under ops/registry/ defines one
// register_*_ops() that calls register_op for every op it adapts. Add a family here and to
// register_all_ops() below (one line each).
#pragma once

namespace nerve {

void register_core_ops();            // ops/registry/core_ops.cpp: the ops nerve had before the registry
void register_conv_transpose_ops();  // ops/registry/conv_transpose_ops.cpp

// Called once, on first use of the registry.
inline void register_all_ops() {
  register_core_ops();
  register_conv_transpose_ops();
}

}  // namespace nerve
