// Window geometry shared by convolution and pooling (TensorFlow's "valid" / "same" arithmetic).
#include <algorithm>
#include <stdexcept>

#include "nerve/ops/convolutional.h"

namespace nerve {

Padding padding_from_name(const std::string& name, const std::string& who) {
  if (name == "valid") return Padding::Valid;
  if (name == "same") return Padding::Same;
  throw std::invalid_argument(who + ": padding must be 'valid' or 'same', got '" + name + "'");
}

const char* padding_name(Padding p) { return p == Padding::Valid ? "valid" : "same"; }

Window1D window_1d(int64_t in, int64_t kernel, int64_t stride, int64_t dilation, Padding padding,
                   const std::string& who, const char* axis) {
  if (kernel <= 0 || stride <= 0 || dilation <= 0)
    throw std::invalid_argument(who + ": " + axis + " kernel, stride and dilation must be positive, got " +
                                std::to_string(kernel) + ", " + std::to_string(stride) + ", " +
                                std::to_string(dilation));
  const int64_t span = (kernel - 1) * dilation + 1;  // input cells one window covers
  Window1D w{in, kernel, stride, dilation, 0, 0};
  if (padding == Padding::Valid) {
    if (in < span)
      throw std::invalid_argument(who + ": the " + axis + " window of " + std::to_string(span) + " cells (kernel " +
                                  std::to_string(kernel) + ", dilation " + std::to_string(dilation) +
                                  ") is larger than the input " + axis + " of " + std::to_string(in) +
                                  " with padding='valid'; use padding='same' or a smaller kernel");
    w.out = (in - span) / stride + 1;
  } else {
    if (in <= 0)
      throw std::invalid_argument(who + ": the input " + axis + " is " + std::to_string(in) + ", must be positive");
    w.out = (in + stride - 1) / stride;
    const int64_t total = std::max<int64_t>((w.out - 1) * stride + span - in, 0);
    w.pad_before = total / 2;  // the odd cell goes after, as TensorFlow
  }
  return w;
}

}  // namespace nerve
