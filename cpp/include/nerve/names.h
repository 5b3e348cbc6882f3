// The names each registry accepts (Keras aliases included), in table order. The bindings hand
// them to Python (nerve._core.activation_names() and the like), so that nerve's Python tables,
// aliases and error messages are built from the C++ tables instead of restating them.
#pragma once
#include <string>
#include <vector>

namespace nerve {

const std::vector<std::string>& activation_name_list();   // activation_names.cpp
const std::vector<std::string>& loss_name_list();         // ops/losses.cpp
const std::vector<std::string>& initializer_name_list();  // layers/initializers.cpp

}  // namespace nerve
