// The string arguments Keras normalises the same way in every image and sequence layer:
// data_format (nerve is channels_last only) and padding (lower-cased, as Keras).
#pragma once
#include <algorithm>
#include <cctype>
#include <optional>
#include <string>

#include "nerve/layers/arguments.h"

namespace nerve {

// NERVE_DATA_FORMAT_ARG(data_format) in a table: None, 'channels_last' or 'channels_first'
// (refused: UnsupportedArgument).
#define NERVE_DATA_FORMAT_ARG(member)                                                                              \
  NERVE_ARG(member)                                                                                                \
      .must("'channels_last', 'channels_first' or None", ::nerve::arg_one_of({"channels_last", "channels_first"})) \
      .supports("nerve is channels_last only (channels on the last axis)", ::nerve::arg_one_of({"channels_last"}))

inline void lower_case(std::string& s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
}

// As Keras's standardize_data_format: lower-cased, None is 'channels_last'. Call before validating.
inline void standardize_data_format(std::optional<std::string>& data_format) {
  if (!data_format) data_format = "channels_last";
  lower_case(*data_format);
}

}  // namespace nerve
