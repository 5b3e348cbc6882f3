// What the two traced programs share when they replay their recorded steps over a table of
// values: TraceProgram (a Python layer's call(), layers/traced.h) and StepProgram (an overridden
// train_step, step_program.h). Their step records differ (a step program also has gradients and
// optimizer updates), so these take any step type with the fields named below.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "nerve/layers/traced.h"
#include "nerve/op_registry.h"
#include "nerve/tensor.h"

namespace nerve::trace_replay {

// The value table at the start of a run: the inputs first, the captures at their indices, the
// rest (step outputs) empty until their step runs.
inline std::vector<Tensor> initial_values(int64_t num_values, const std::vector<Tensor>& inputs,
                                          const std::vector<std::pair<int64_t, Tensor>>& captures) {
  std::vector<Tensor> values(num_values);
  for (size_t i = 0; i < inputs.size(); ++i) values[i] = inputs[i];
  for (const auto& c : captures) values[c.first] = c.second;
  return values;
}

// The tensors a step reads (field inputs: value indices).
template <class Step>
std::vector<Tensor> step_inputs(const Step& s, const std::vector<Tensor>& values) {
  std::vector<Tensor> in;
  in.reserve(s.inputs.size());
  for (int64_t v : s.inputs) in.push_back(values[v]);
  return in;
}

// The attributes of an op step (fields op, attrs, patches) with its dim patches filled from the
// run's values: reshape(x, (batch, 4)) gets this batch's size.
template <class Step>
OpAttrs patched_attrs(const Step& s, const std::vector<Tensor>& values) {
  if (s.patches.empty()) return s.attrs;
  OpAttrs attrs = s.attrs;
  for (const DimPatch& p : s.patches) {
    int64_t dim = values[p.value].size(p.axis);
    if (p.index < 0) {
      attrs.set(p.key, dim);
      continue;
    }
    std::vector<int64_t> list = attrs.get_ints(p.key);
    if (p.index >= static_cast<int64_t>(list.size()))
      throw std::invalid_argument(s.op + ": dim patch of attribute '" + p.key + "' is out of range");
    list[p.index] = dim;
    attrs.set(p.key, list);
  }
  return attrs;
}

// target = value, += value or -= value ("assign", "assign_add", "assign_sub"), in place: a
// non-trainable weight or a metric's running total, which no gradient flows through.
inline void assign(const std::string& kind, const Tensor& target, const Tensor& value) {
  if (value.numel() != target.numel())
    throw std::invalid_argument(kind + ": the target has shape " + target.shape_string() + ", the value " +
                                value.shape_string());
  std::vector<float> w = target.to_vector();
  std::vector<float> v = value.contiguous().to_vector();
  float sign = kind == "assign_sub" ? -1.f : 1.f;
  for (size_t i = 0; i < w.size(); ++i) w[i] = kind == "assign" ? v[i] : w[i] + sign * v[i];
  target.copy_from_host(w.data());
}

// Per value, the last step reading it (its inputs, or a dim patch reading its size), so a run can
// free each intermediate value after it; -1 (never freed) for outputs and captures.
template <class Step>
std::vector<int64_t> last_uses(const std::vector<Step>& steps, int64_t num_values, const std::vector<int64_t>& outputs,
                               const std::vector<std::pair<int64_t, Tensor>>& captures) {
  std::vector<int64_t> last(num_values, -1);
  for (size_t i = 0; i < steps.size(); ++i) {
    for (int64_t v : steps[i].inputs) last[v] = static_cast<int64_t>(i);
    for (const DimPatch& p : steps[i].patches) last[p.value] = static_cast<int64_t>(i);
  }
  for (int64_t v : outputs) last[v] = -1;
  for (const auto& c : captures) last[c.first] = -1;
  return last;
}

// Frees the values whose last reader was step i.
template <class Step>
void free_after(const Step& s, size_t i, const std::vector<int64_t>& last_use, std::vector<Tensor>& values) {
  for (int64_t v : s.inputs)
    if (last_use[v] == static_cast<int64_t>(i)) values[v] = Tensor();
  for (const DimPatch& p : s.patches)
    if (last_use[p.value] == static_cast<int64_t>(i)) values[p.value] = Tensor();
}

}  // namespace nerve::trace_replay
