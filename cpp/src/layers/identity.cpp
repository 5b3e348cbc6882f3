// Identity: returns its input (the class is in nerve/layers/core.h; it has no arguments).
#include "nerve/layers/core.h"

namespace nerve {

const ArgTable<IdentityArgs>& IdentityArgs::table() {
  static const ArgTable<IdentityArgs> t{};
  return t;
}
NERVE_REGISTER_LAYER(Identity, "Identity")

}  // namespace nerve
