// MaxPooling2D / AveragePooling2D, the global 2-D poolings, MaxPooling1D / AveragePooling1D and
// GlobalAveragePooling1D / GlobalMaxPooling1D.
#include "nerve/layers/pooling.h"

#include <stdexcept>

#include "layers/image_input.h"
#include "layers/keras_choices.h"
#include "layers/sequence_input.h"
#include "nerve/ops/pooling.h"

namespace nerve {

namespace {
// The table of a 2-D window pooling; AveragePooling2D's pool_size has no default.
template <class A>
ArgTable<A> pooling2d_table(bool pool_size_required) {
  using Self = A;
  ArgTable<A> t{{
      NERVE_ARG(pool_size).tuple_of(2).must("positive", arg_positive),
      NERVE_ARG(strides).tuple_of(2).must("positive", arg_positive),
      NERVE_ARG(padding).must("'valid' or 'same'", arg_one_of({"valid", "same"})),
      NERVE_DATA_FORMAT_ARG(data_format),
  }};
  if (pool_size_required) t.fields[0].require();
  return t;
}

// Normalises and validates a 2-D pooling's arguments; returns its window geometry.
template <class A>
Pool2DOptions pool2d_options(A& a, const std::string& who) {
  lower_case(a.padding);
  standardize_data_format(a.data_format);
  A::table().validate(a, who);
  if (!a.strides) a.strides = a.pool_size;  // Keras: non-overlapping windows
  Pool2DOptions o;
  o.pool_h = a.pool_size[0];
  o.pool_w = a.pool_size[1];
  o.stride_h = (*a.strides)[0];
  o.stride_w = (*a.strides)[1];
  o.padding = padding_from_name(a.padding, who);
  return o;
}

}  // namespace

const ArgTable<MaxPooling2DArgs>& MaxPooling2DArgs::table() {
  static const ArgTable<MaxPooling2DArgs> t = pooling2d_table<MaxPooling2DArgs>(false);
  return t;
}
const ArgTable<AveragePooling2DArgs>& AveragePooling2DArgs::table() {
  static const ArgTable<AveragePooling2DArgs> t = pooling2d_table<AveragePooling2DArgs>(true);
  return t;
}
NERVE_REGISTER_LAYER(MaxPooling2D, "MaxPooling2D")
NERVE_REGISTER_LAYER(AveragePooling2D, "AveragePooling2D")

MaxPooling2D::MaxPooling2D(std::string name, MaxPooling2DArgs args)
    : Pooling2D(std::move(name), PoolKind::Max), args_(std::move(args)) {
  options_ = pool2d_options(args_, describe());
}

AveragePooling2D::AveragePooling2D(std::string name, AveragePooling2DArgs args)
    : Pooling2D(std::move(name), PoolKind::Average), args_(std::move(args)) {
  options_ = pool2d_options(args_, describe());
}

Shape Pooling2D::output_shape(const Shape& s) const {
  check_image_input(describe(), s);
  const std::string who = describe() + " (pool " + std::to_string(options_.pool_h) + "x" +
                          std::to_string(options_.pool_w) + ", input " + batch_shape_str(s) + ")";
  Window1D h = window_1d(s[0], options_.pool_h, options_.stride_h, 1, options_.padding, who, "height");
  Window1D w = window_1d(s[1], options_.pool_w, options_.stride_w, 1, options_.padding, who, "width");
  return {h.out, w.out, s[2]};
}

Tensor Pooling2D::forward(const Tensor& x, bool) { return pool2d(x, kind_, options_); }

const ArgTable<GlobalPooling2DArgs>& GlobalPooling2DArgs::table() {
  using Self = GlobalPooling2DArgs;
  static const ArgTable<GlobalPooling2DArgs> t{{
      NERVE_DATA_FORMAT_ARG(data_format),
      NERVE_ARG(keepdims),
  }};
  return t;
}
NERVE_REGISTER_LAYER(GlobalMaxPooling2D, "GlobalMaxPooling2D")
NERVE_REGISTER_LAYER(GlobalAveragePooling2D, "GlobalAveragePooling2D")

GlobalPooling2D::GlobalPooling2D(std::string name, PoolKind kind, GlobalPooling2DArgs args)
    : Layer(std::move(name)), kind_(kind), args_(std::move(args)) {
  standardize_data_format(args_.data_format);
  GlobalPooling2DArgs::table().validate(args_, describe());
}

Shape GlobalPooling2D::output_shape(const Shape& s) const {
  check_image_input(describe(), s);
  return args_.keepdims ? Shape{1, 1, s[2]} : Shape{s[2]};
}

Tensor GlobalPooling2D::forward(const Tensor& x, bool) {
  Tensor y = global_pool2d(x, kind_);
  return args_.keepdims ? y.reshape({x.size(0), 1, 1, x.size(3)}) : y;
}

const ArgTable<MaxPooling1DArgs>& MaxPooling1DArgs::table() {
  using Self = MaxPooling1DArgs;
  static const ArgTable<MaxPooling1DArgs> t{{
      NERVE_ARG(pool_size).tuple_of(1).must("positive", arg_positive).shown_as_value(int64_t{2}),
      NERVE_ARG(strides).tuple_of(1).must("positive", arg_positive),
      NERVE_ARG(padding).must("'valid' or 'same'", arg_one_of({"valid", "same"})),
      NERVE_DATA_FORMAT_ARG(data_format),
  }};
  return t;
}
NERVE_REGISTER_LAYER(MaxPooling1D, "MaxPooling1D")

MaxPooling1D::MaxPooling1D(std::string name, MaxPooling1DArgs args) : Layer(std::move(name)), args_(std::move(args)) {
  lower_case(args_.padding);
  standardize_data_format(args_.data_format);
  MaxPooling1DArgs::table().validate(args_, describe());
  if (!args_.strides) args_.strides = args_.pool_size;
  pool_ = args_.pool_size[0];
  strides_ = (*args_.strides)[0];
}

Shape MaxPooling1D::output_shape(const Shape& s) const {
  check_sequence(s, describe());
  if (s[0] == kUnknownDim) return {kUnknownDim, s[1]};
  return {conv1d_output_length(s[0], pool_, strides_, args_.padding, 1, describe()), s[1]};
}

Tensor MaxPooling1D::forward(const Tensor& x, bool) { return max_pool1d(x, pool_, strides_, args_.padding); }

const ArgTable<AveragePooling1DArgs>& AveragePooling1DArgs::table() {
  using Self = AveragePooling1DArgs;
  static const ArgTable<AveragePooling1DArgs> t{{
      NERVE_ARG(pool_size).tuple_of(1).must("positive", arg_positive).require(),
      NERVE_ARG(strides).tuple_of(1).must("positive", arg_positive),
      NERVE_ARG(padding).must("'valid' or 'same'", arg_one_of({"valid", "same"})),
      NERVE_DATA_FORMAT_ARG(data_format),
  }};
  return t;
}
NERVE_REGISTER_LAYER(AveragePooling1D, "AveragePooling1D")

AveragePooling1D::AveragePooling1D(std::string name, AveragePooling1DArgs args)
    : Layer(std::move(name)), args_(std::move(args)) {
  lower_case(args_.padding);
  standardize_data_format(args_.data_format);
  AveragePooling1DArgs::table().validate(args_, describe());
  if (!args_.strides) args_.strides = args_.pool_size;  // Keras: non-overlapping windows
  pool_ = args_.pool_size[0];
  strides_ = (*args_.strides)[0];
}

Shape AveragePooling1D::output_shape(const Shape& s) const {
  check_sequence(s, describe());
  if (s[0] == kUnknownDim) return {kUnknownDim, s[1]};
  return {conv1d_output_length(s[0], pool_, strides_, args_.padding, 1, describe()), s[1]};
}

Tensor AveragePooling1D::forward(const Tensor& x, bool) { return average_pool1d(x, pool_, strides_, args_.padding); }

const ArgTable<GlobalAveragePooling1DArgs>& GlobalAveragePooling1DArgs::table() {
  using Self = GlobalAveragePooling1DArgs;
  static const ArgTable<GlobalAveragePooling1DArgs> t{{
      NERVE_DATA_FORMAT_ARG(data_format),
      NERVE_ARG(keepdims),
  }};
  return t;
}
NERVE_REGISTER_LAYER(GlobalAveragePooling1D, "GlobalAveragePooling1D")

GlobalAveragePooling1D::GlobalAveragePooling1D(std::string name, GlobalAveragePooling1DArgs args)
    : Layer(std::move(name)), args_(std::move(args)) {
  standardize_data_format(args_.data_format);
  GlobalAveragePooling1DArgs::table().validate(args_, describe());
}

Shape GlobalAveragePooling1D::output_shape(const Shape& s) const {
  check_sequence(s, describe());
  return args_.keepdims ? Shape{1, s[1]} : Shape{s[1]};
}

Tensor GlobalAveragePooling1D::forward(const Tensor& x, bool) {
  Tensor y = global_average_pool1d(x, x.impl()->mask);
  return args_.keepdims ? y.reshape({x.size(0), 1, x.size(2)}) : y;
}

const ArgTable<GlobalMaxPooling1DArgs>& GlobalMaxPooling1DArgs::table() {
  using Self = GlobalMaxPooling1DArgs;
  static const ArgTable<GlobalMaxPooling1DArgs> t{{
      NERVE_DATA_FORMAT_ARG(data_format),
      NERVE_ARG(keepdims),
  }};
  return t;
}
NERVE_REGISTER_LAYER(GlobalMaxPooling1D, "GlobalMaxPooling1D")

GlobalMaxPooling1D::GlobalMaxPooling1D(std::string name, GlobalMaxPooling1DArgs args)
    : Layer(std::move(name)), args_(std::move(args)) {
  standardize_data_format(args_.data_format);
  GlobalMaxPooling1DArgs::table().validate(args_, describe());
}

Shape GlobalMaxPooling1D::output_shape(const Shape& s) const {
  check_sequence(s, describe());
  return args_.keepdims ? Shape{1, s[1]} : Shape{s[1]};
}

Tensor GlobalMaxPooling1D::forward(const Tensor& x, bool) {
  Tensor y = global_max_pool1d(x);
  return args_.keepdims ? y.reshape({x.size(0), 1, x.size(2)}) : y;
}

}  // namespace nerve
