#include "nerve/layers/merge.h"

#include <stdexcept>

#include "nerve/layers/arguments.h"
#include "nerve/ops.h"

namespace nerve {

namespace {
std::string shapes_str(const std::vector<Shape>& shapes) {
  std::string s = "[";
  for (size_t i = 0; i < shapes.size(); ++i) s += (i ? ", " : "") + batch_shape_str(shapes[i]);
  return s + "]";
}

// Folds `s` into `acc` on the axes other than `skip` (-1: none): equal where both are known, an
// unknown side taking the other's size. False when two known sizes differ.
bool merge_known(Shape& acc, const Shape& s, int64_t skip) {
  if (s.size() != acc.size()) return false;
  for (size_t d = 0; d < s.size(); ++d) {
    if (int64_t(d) == skip) continue;
    if (acc[d] == kUnknownDim)
      acc[d] = s[d];
    else if (s[d] != kUnknownDim && s[d] != acc[d])
      return false;
  }
  return true;
}

bool any_masked(const std::vector<Tensor>& xs) {
  for (const Tensor& x : xs)
    if (x.impl()->mask.defined()) return true;
  return false;
}

// Keras's mask of a merge that keeps the values (Add, Subtract, Average; Concatenate on the last
// axis): the OR of the inputs' padding masks. Add, Subtract and Average give none unless every
// input has one; for Concatenate an input without one counts as all ones, so the OR is all ones
// and, like no mask at all, masks nothing.
Tensor or_of_masks(const std::vector<Tensor>& xs) {
  for (const Tensor& x : xs)
    if (!x.impl()->mask.defined()) return Tensor();
  const Tensor& first = xs[0].impl()->mask;
  std::vector<float> out(static_cast<size_t>(first.numel()), 0.f);
  for (const Tensor& x : xs) {
    HostView m(x.impl()->mask);
    if (m.size() != first.numel()) return Tensor();
    for (int64_t i = 0; i < m.size(); ++i) out[i] = (out[i] != 0.f || m.data()[i] != 0.f) ? 1.f : 0.f;
  }
  return Tensor::from_host(out.data(), first.shape(), first.device());
}
}  // namespace

const ArgTable<MergeArgs>& MergeArgs::table() {
  static const ArgTable<MergeArgs> t{};
  return t;
}
NERVE_REGISTER_LAYER(Add, "Add")
NERVE_REGISTER_LAYER(Subtract, "Subtract")
NERVE_REGISTER_LAYER(Multiply, "Multiply")
NERVE_REGISTER_LAYER(Average, "Average")

// No argument to check (and type(), which describe() needs, is not set up in a base constructor).
ElementwiseMerge::ElementwiseMerge(std::string name, MergeArgs args) : Layer(std::move(name)), args_(args) {}

Shape ElementwiseMerge::output_shape(const Shape& input_shape) const {
  throw std::invalid_argument(describe() +
                              " should be called on a list of at least 2 inputs, got 1 "
                              "input of shape " +
                              batch_shape_str(input_shape));
}

std::vector<Shape> ElementwiseMerge::output_shapes_many(const std::vector<Shape>& shapes) const {
  size_t exact = exact_inputs();
  if (exact ? shapes.size() != exact : shapes.size() < 2)
    throw std::invalid_argument(describe() + " should be called on " +
                                (exact ? "exactly " + std::to_string(exact) : std::string("at least 2")) +
                                " inputs, got " + std::to_string(shapes.size()) + ": " + shapes_str(shapes));
  Shape out = shapes[0];
  for (const Shape& s : shapes)
    if (!merge_known(out, s, -1))
      throw std::invalid_argument(describe() + ": all inputs must have the same shape, got " + shapes_str(shapes));
  return {out};
}

void ElementwiseMerge::check_same_shapes(const std::vector<Tensor>& xs) const {
  for (const Tensor& x : xs)
    if (x.shape() != xs[0].shape()) {
      std::string got;
      for (size_t i = 0; i < xs.size(); ++i) got += (i ? ", " : "") + xs[i].shape_string();
      throw std::invalid_argument(describe() + ": all inputs must have the same shape, got " + got);
    }
}

Tensor ElementwiseMerge::forward(const Tensor& x, bool) {
  (void)output_shape({});
  return x;
}

std::vector<Tensor> Add::forward_many(const std::vector<Tensor>& xs, bool) {
  check_same_shapes(xs);
  Tensor out = add_n(xs);
  out.impl()->mask = or_of_masks(xs);
  return {out};
}

std::vector<Tensor> Subtract::forward_many(const std::vector<Tensor>& xs, bool) {
  check_same_shapes(xs);
  Tensor out = sub(xs[0], xs[1]);
  out.impl()->mask = or_of_masks(xs);
  return {out};
}

std::vector<Tensor> Multiply::forward_many(const std::vector<Tensor>& xs, bool) {
  check_same_shapes(xs);
  if (any_masked(xs))  // Keras multiplies by 1 where an input is masked, and zeroes the masked result
    throw UnsupportedArgument(describe() +
                              ": an input carries a padding mask (Embedding(mask_zero=True)); Keras's Multiply "
                              "replaces masked values, which nerve does not implement yet");
  Tensor out = mul(xs[0], xs[1]);
  for (size_t i = 2; i < xs.size(); ++i) out = mul(out, xs[i]);
  return {out};
}

std::vector<Tensor> Average::forward_many(const std::vector<Tensor>& xs, bool) {
  check_same_shapes(xs);
  Tensor out = scale(add_n(xs), 1.f / static_cast<float>(xs.size()));
  out.impl()->mask = or_of_masks(xs);
  return {out};
}

const ArgTable<ConcatenateArgs>& ConcatenateArgs::table() {
  using Self = ConcatenateArgs;
  static const ArgTable<ConcatenateArgs> t{{
      NERVE_ARG(axis).must("an axis other than 0 (0 is the batch axis and cannot be concatenated)",
                           [](const ArgValue& v) { return std::get<int64_t>(v) != 0; }),
  }};
  return t;
}
NERVE_REGISTER_LAYER(Concatenate, "Concatenate")

Concatenate::Concatenate(std::string name, ConcatenateArgs args) : Layer(std::move(name)), args_(args) {
  ConcatenateArgs::table().validate(args_, describe());
}

int64_t Concatenate::sample_axis(size_t rank, const std::vector<Shape>& shapes) const {
  int64_t a = args_.axis < 0 ? args_.axis + static_cast<int64_t>(rank) : args_.axis - 1;
  if (a < 0 || a >= static_cast<int64_t>(rank))
    throw std::invalid_argument(describe() + ": axis " + std::to_string(args_.axis) +
                                " is out of range for inputs of shapes " + shapes_str(shapes));
  return a;
}

Shape Concatenate::output_shape(const Shape& input_shape) const {
  throw std::invalid_argument(describe() +
                              " should be called on a list of at least 2 inputs, got "
                              "a single tensor of shape " +
                              batch_shape_str(input_shape));
}

std::vector<Shape> Concatenate::output_shapes_many(const std::vector<Shape>& shapes) const {
  if (shapes.size() < 2)
    throw std::invalid_argument(describe() + " should be called on at least 2 inputs, got " +
                                std::to_string(shapes.size()));
  size_t rank = shapes[0].size();
  int64_t a = sample_axis(rank, shapes);
  Shape out = shapes[0];
  out[a] = 0;
  for (const Shape& s : shapes) {
    if (!merge_known(out, s, a))
      throw std::invalid_argument(describe() +
                                  ": inputs must match on every axis except the "
                                  "concatenation axis " +
                                  std::to_string(args_.axis) + ", got " + shapes_str(shapes));
    // An unknown size on the concatenation axis leaves the joined size unknown.
    out[a] = out[a] == kUnknownDim || s[a] == kUnknownDim ? kUnknownDim : out[a] + s[a];
  }
  return {out};
}

Tensor Concatenate::forward(const Tensor& x, bool) {
  (void)output_shape({});
  return x;
}

std::vector<Tensor> Concatenate::forward_many(const std::vector<Tensor>& xs, bool) {
  const size_t rank = input_shapes()[0].size();
  int64_t a = sample_axis(rank, input_shapes());
  Tensor out = concat(xs, a + 1);
  if (any_masked(xs)) {
    if (a != static_cast<int64_t>(rank) - 1)
      throw UnsupportedArgument(describe() + ": an input carries a padding mask (Embedding(mask_zero=True)); Keras " +
                                "concatenates the masks along axis " + std::to_string(args_.axis) +
                                ", which nerve implements only for the last axis");
    out.impl()->mask = or_of_masks(xs);
  }
  return {out};
}

}  // namespace nerve
