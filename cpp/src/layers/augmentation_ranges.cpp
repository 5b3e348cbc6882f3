// augmentation_ranges_from_keras(): Keras's factor arguments as the engine's (lower, upper) numbers,
// for model files (the Python classes do the same in nerve/layers/augmentation.py).
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "nerve/layers/augmentation.h"

namespace nerve {

namespace {

// Keras: a pair sorted; one number f gives (max(-|f|, floor), |f|).
std::pair<double, double> keras_range(const std::string& who, const std::string& name, const std::vector<double>& v,
                                      double floor) {
  if (v.size() == 2) return {std::min(v[0], v[1]), std::max(v[0], v[1])};
  if (v.size() == 1) return {std::max(-std::abs(v[0]), floor), std::abs(v[0])};
  throw std::invalid_argument(who + ": " + name + " must be a number or a pair of numbers");
}

}  // namespace

NamedArgs augmentation_ranges_from_keras(const std::string& type,
                                         const std::vector<std::pair<std::string, std::vector<double>>>& keras) {
  struct Range {
    const char* keras;
    const char* lower;
    const char* upper;
    double floor;  // the lowest lower bound one number gives
    bool as_given;
  };
  std::vector<Range> ranges;
  if (type == "RandomRotation")
    ranges = {{"factor", "factor_lower", "factor_upper", -1.0, false}};
  else if (type == "RandomContrast")
    ranges = {{"factor", "factor_lower", "factor_upper", 0.0, false},
              {"value_range", "value_low", "value_high", 0.0, true}};
  else if (type == "RandomTranslation" || type == "RandomZoom")
    ranges = {{"height_factor", "height_lower", "height_upper", -HUGE_VAL, false},
              {"width_factor", "width_lower", "width_upper", -HUGE_VAL, false}};
  NamedArgs out;
  for (const Range& r : ranges)
    for (const auto& [name, values] : keras) {
      if (name != r.keras || values.empty()) continue;  // None: the layer's default
      const std::string who = type + " config";
      if (r.as_given && values.size() != 2)
        throw std::invalid_argument(who + ": " + name + " must be a pair (low, high)");
      const auto [lo, hi] = r.as_given ? std::pair{values[0], values[1]} : keras_range(who, name, values, r.floor);
      out.emplace_back(r.lower, lo);
      out.emplace_back(r.upper, hi);
    }
  return out;
}

}  // namespace nerve
