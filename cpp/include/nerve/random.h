// One seedable source of randomness for the whole library: initializers, dropout, shuffling.
#pragma once
#include <cstdint>

namespace nerve {

// Reseeds the global generator: the same seed makes a whole fit bit-reproducible.
void set_seed(uint64_t seed);
// Draws a fresh seed from the global generator (a layer takes one when it builds).
uint64_t next_seed();

// Small, portable generator (splitmix64 seeding + xoshiro256**): same numbers on every platform.
class Rng {
 public:
  explicit Rng(uint64_t seed);
  uint64_t next_u64();
  float uniform();  // [0, 1)
  float normal();   // standard normal (Box-Muller)
 private:
  uint64_t s_[4];
  bool has_spare_ = false;
  float spare_ = 0.f;
};

}  // namespace nerve
