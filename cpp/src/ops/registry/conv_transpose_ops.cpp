// Registered adapter for the transposed convolution: Keras's ops.conv_transpose on NHWC images
// (conv2d_transpose in nerve/ops/convolutional.h), so a traced custom layer can replay it.
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "nerve/op_registry.h"
#include "nerve/ops/convolutional.h"
#include "ops/registered_ops.h"

namespace nerve {

namespace {

// Keras takes an int or a tuple of 2 ints (an int reads as a list of one).
std::pair<int64_t, int64_t> pair_attr(const OpAttrs& a, const std::string& key, int64_t fallback) {
  std::vector<int64_t> v = a.get_ints(key, {fallback});
  if (v.size() == 1) v.push_back(v[0]);
  if (v.size() != 2)
    throw std::invalid_argument("conv_transpose: " + key + " must be an int or a tuple of 2 ints, got " +
                                std::to_string(v.size()) + " values");
  return {v[0], v[1]};
}

}  // namespace

void register_conv_transpose_ops() {
  // conv_transpose(inputs, kernel[, bias], strides=1, padding="valid", output_padding=None,
  // data_format="channels_last", dilation_rate=1): kernel (kh, kw, filters, in_channels).
  register_op({"conv_transpose", -1, [](const std::vector<Tensor>& in, const OpAttrs& a) -> std::vector<Tensor> {
                 if (in.size() != 2 && in.size() != 3)
                   throw std::invalid_argument("conv_transpose: takes inputs, kernel and an optional bias, got " +
                                               std::to_string(in.size()) + " tensors");
                 if (a.get_string("data_format", "channels_last") != "channels_last")
                   throw std::invalid_argument("conv_transpose: only data_format='channels_last' is supported, got '" +
                                               a.get_string("data_format") + "'");
                 Conv2DTransposeOptions o;
                 std::tie(o.stride_h, o.stride_w) = pair_attr(a, "strides", 1);
                 std::tie(o.dilation_h, o.dilation_w) = pair_attr(a, "dilation_rate", 1);
                 o.padding = padding_from_name(a.get_string("padding", "valid"), "conv_transpose");
                 if (a.has("output_padding")) {
                   auto [h, w] = pair_attr(a, "output_padding", 0);
                   o.output_padding_h = h;
                   o.output_padding_w = w;
                 }
                 return {conv2d_transpose(in[0], in[1], in.size() == 3 ? in[2] : Tensor(), o)};
               }});
}

}  // namespace nerve
