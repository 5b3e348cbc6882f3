// ActivityRegularization: the identity whose output carries an L1L2 activity regularizer.
#include "nerve/layers/regularization.h"

namespace nerve {

const ArgTable<ActivityRegularizationArgs>& ActivityRegularizationArgs::table() {
  using Self = ActivityRegularizationArgs;
  static const ArgTable<ActivityRegularizationArgs> t{{
      NERVE_ARG(l1).must("a non-negative number", arg_non_negative),
      NERVE_ARG(l2).must("a non-negative number", arg_non_negative),
  }};
  return t;
}
NERVE_REGISTER_LAYER(ActivityRegularization, "ActivityRegularization")

ActivityRegularization::ActivityRegularization(std::string name, ActivityRegularizationArgs args)
    : Layer(std::move(name)), args_(std::move(args)) {
  ActivityRegularizationArgs::table().validate(args_, describe());
  activity_regularizer = Regularizer{static_cast<float>(args_.l1), static_cast<float>(args_.l2)};
}

}  // namespace nerve
