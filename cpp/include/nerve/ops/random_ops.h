// Random ops (nerve.random, Keras 3's keras.random): seeded draws, dropout and shuffle.
//
// Every op takes a 64-bit key and is a pure function of it. Where a key comes from is Keras's seed
// rule, kept in C++ so that a traced layer replayed every step draws fresh numbers without Python:
//   - an int seed: the key of (seed, 0), the same numbers on every call (stateless);
//   - a seed generator (SeedGenerator in Python): the key of (seed, counter), counter + 1 per draw;
//   - no seed: a key from the global generator (nerve/random.h), which set_seed reseeds.
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

#include "nerve/tensor.h"

namespace nerve {

// -- seeds -----------------------------------------------------------------------------------

// The key of Keras's seed state [seed, counter].
uint64_t random_key(int64_t seed, int64_t counter);
// A new seed generator with state (seed, 0); its id names it to the ops ("generator" attribute).
// Generators live as long as the process: a traced program may hold an id after its Python
// object is gone, and each costs 16 bytes.
int64_t new_seed_generator(int64_t seed);
// The key of the generator's current state, then counter + 1 (thread-safe).
uint64_t seed_generator_next(int64_t id);
std::pair<int64_t, int64_t> seed_generator_state(int64_t id);  // (seed, counter)
void set_seed_generator_state(int64_t id, int64_t seed, int64_t counter);
// A key from the global generator (nerve::next_seed): seed=None.
uint64_t global_random_key();

// -- draws (float32 outputs on the current device) -------------------------------------------

// Uniform in [minval, maxval); minval < maxval.
Tensor random_uniform(const Shape& shape, float minval, float maxval, uint64_t key);
// mean + stddev * N(0, 1); stddev >= 0.
Tensor random_normal(const Shape& shape, float mean, float stddev, uint64_t key);
// The same, with N(0, 1) re-drawn outside [-2, 2] (Keras: values beyond two stddevs re-picked).
Tensor random_truncated_normal(const Shape& shape, float mean, float stddev, uint64_t key);
// Integers in [minval, maxval) held in float32: |minval|, |maxval| <= 2^24 so each is exact.
Tensor random_randint(const Shape& shape, int64_t minval, int64_t maxval, uint64_t key);
// logits [batch, classes] -> [batch, num_samples] class indices (float32) drawn from
// softmax(logits[b]). No gradient: its values are integers.
Tensor random_categorical(const Tensor& logits, int64_t num_samples, uint64_t key);
// Gamma(alpha, 1), alpha > 0.
Tensor random_gamma(const Shape& shape, double alpha, uint64_t key);
// Beta(alpha, beta), alpha, beta > 0.
Tensor random_beta(const Shape& shape, double alpha, double beta, uint64_t key);
// Binomial(counts, p): successes in `counts` trials (an integer in [0, 2^24]) of probability p in
// [0, 1], as float32.
Tensor random_binomial(const Shape& shape, double counts, double p, uint64_t key);

// -- ops on a tensor -------------------------------------------------------------------------

// Inverted dropout: each element kept with probability 1 - rate and scaled by 1 / (1 - rate);
// rate 1 gives zeros (as Keras). noise_shape (empty: x's shape) broadcasts against x's shape,
// right-aligned: each dim is 1 (one draw shared along it), x's dim, or -1 (Keras's None: x's dim).
// Differentiable in x: dx = dy * mask.
Tensor random_dropout(const Tensor& x, float rate, const std::vector<int64_t>& noise_shape, uint64_t key);
// Each 1-D slice of x along `axis` (negative counts from the end) permuted independently, as
// jax.random.permutation(independent=True), Keras's JAX backend. Differentiable in x.
Tensor random_shuffle(const Tensor& x, int64_t axis, uint64_t key);

}  // namespace nerve
