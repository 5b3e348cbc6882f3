// The hook data-parallel training plugs into the Trainer (trainer.h): after backward and before
// the optimizer step, every rank hands its gradients to the reducer, which replaces them by the
// average over all ranks. The Trainer knows nothing of MPI; nerve.distributed installs an
// MpiGradientReducer (distributed/mpi_reducer.h). No reducer: single-process training, unchanged.
// It is also the step's ReplicaSum (replica_sum.h), through which synchronized
// BatchNormalization totals its statistics over the ranks.
#pragma once
#include <vector>

#include "nerve/replica_sum.h"
#include "nerve/tensor.h"

namespace nerve {

class GradientReducer : public ReplicaSum {
 public:
  virtual ~GradientReducer() = default;
  // Called on every rank at the same step, from the thread running Trainer::train (the GIL is
  // released). params: the trainable weights, in the same order on every rank; p.grad() is this
  // rank's gradient (undefined: none, counted as zeros). local_weight: this rank's batch size, so
  // that uneven batches average as one global batch would; finite: whether this rank's loss was
  // finite. Writes the weighted average into every p.grad() and returns true, or returns false
  // when any rank's loss was not finite (then no rank applies the step).
  virtual bool reduce(const std::vector<Tensor>& params, double local_weight, bool finite) = 0;
};

}  // namespace nerve
