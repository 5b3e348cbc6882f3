// Tensor basics: shapes and row-major strides, storage sharing between views and copies, the
// 64-byte alignment the SIMD kernels rely on, strided views made contiguous, and the errors.
#include <cstdint>
#include <thread>
#include <vector>

#include "check.h"
#include "nerve/tensor.h"

using namespace nerve;

static void shapes_and_strides() {
  Tensor t = Tensor::empty({2, 3, 4});
  CHECK(t.dim() == 3);
  CHECK(t.numel() == 24);
  CHECK((t.shape() == Shape{2, 3, 4}));
  CHECK((t.strides() == Shape{12, 4, 1}));
  CHECK(t.size(0) == 2 && t.size(-1) == 4 && t.size(-3) == 2);
  CHECK(t.is_contiguous());
  CHECK(t.offset() == 0);
  CHECK_THROWS(std::out_of_range, t.size(3));
  CHECK_THROWS(std::out_of_range, t.size(-4));

  Tensor scalar = Tensor::full({}, 2.5f);
  CHECK(scalar.dim() == 0 && scalar.numel() == 1);
  CHECK(scalar.item() == 2.5f);
  CHECK_THROWS(std::invalid_argument, t.item());

  CHECK(shape_str({3}) == "(3,)");
  CHECK(shape_str({2, 5}) == "(2, 5)");
  CHECK(batch_shape_str({28, kUnknownDim}) == "(None, 28, None)");
  CHECK(shape_numel({}) == 1 && shape_numel({4, 0, 2}) == 0);
  CHECK(shape_fits({kUnknownDim, 8}, {5, 8}) && !shape_fits({kUnknownDim, 8}, {5, 7}));
  CHECK(!shape_known({kUnknownDim, 8}) && shape_known({3, 8}));
  CHECK_THROWS(std::invalid_argument, Tensor::empty({2, -3}));
}

static void storage_and_alignment() {
  // Every fresh tensor starts on a 64-byte boundary, whatever its size.
  for (int64_t n : {1, 3, 7, 16, 17, 1000, 4099}) {
    Tensor t = Tensor::empty({n});
    CHECK(reinterpret_cast<std::uintptr_t>(t.data()) % kAlignment == 0);
    CHECK(t.storage()->nbytes() == static_cast<size_t>(n) * sizeof(float));
    CHECK(t.device() == Device{});
  }
  Tensor z = Tensor::zeros({5, 3});
  bool all_zero = true;
  for (float v : z.to_vector()) all_zero = all_zero && v == 0.f;
  CHECK(all_zero);
  Tensor f = Tensor::full({4}, -1.5f);
  CHECK((f.to_vector() == std::vector<float>{-1.5f, -1.5f, -1.5f, -1.5f}));

  // A Tensor is a handle: copies alias the same data.
  Tensor a = Tensor::from_vector({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor alias = a;
  alias.data()[4] = 50.f;
  CHECK(a.data()[4] == 50.f);
  // clone() owns new memory.
  Tensor c = a.clone();
  c.data()[0] = -1.f;
  CHECK(a.data()[0] == 1.f);
  CHECK(c.storage() != a.storage());
  // detach() shares the storage, without history.
  Tensor d = a.detach();
  CHECK(d.storage() == a.storage() && !d.grad_fn());
  CHECK_THROWS(std::invalid_argument, Tensor::from_vector({1, 2, 3}, {2, 2}));

  // Storage::wrap runs its release when the last tensor on it dies.
  static float external[6] = {0, 1, 2, 3, 4, 5};
  bool released = false;
  {
    auto s = Storage::wrap(external, sizeof(external), Device{}, [&released] { released = true; });
    Tensor w = Tensor::view_of(s, 2, {2, 2}, {});
    CHECK((w.strides() == Shape{2, 1}));
    CHECK((w.to_vector() == std::vector<float>{2, 3, 4, 5}));
    CHECK(!released);
  }
  CHECK(released);
}

static void views() {
  Tensor a = Tensor::from_vector({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, {3, 4});
  // reshape of a contiguous tensor is a view; -1 infers one dimension.
  Tensor r = a.reshape({2, -1, 2});
  CHECK((r.shape() == Shape{2, 3, 2}));
  CHECK((r.strides() == Shape{6, 2, 1}));
  CHECK(r.storage() == a.storage());
  r.data()[11] = 110.f;
  CHECK(a.data()[11] == 110.f);
  CHECK_THROWS(std::invalid_argument, a.reshape({5, -1}));
  CHECK_THROWS(std::invalid_argument, a.reshape({-1, -1}));

  // The transpose as a strided view: [4, 3] with strides (1, 4).
  Tensor t = Tensor::view_of(a.storage(), 0, {4, 3}, {1, 4});
  CHECK(!t.is_contiguous());
  Tensor tc = t.contiguous();
  CHECK(tc.is_contiguous() && tc.storage() != a.storage());
  CHECK((tc.to_vector() == std::vector<float>{0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 110}));
  // A column slice with an offset: a[:, 1:3].
  Tensor s = Tensor::view_of(a.storage(), 1, {3, 2}, {4, 1});
  CHECK(!s.is_contiguous());
  CHECK(s.data() == a.data() + 1);
  CHECK((s.to_vector() == std::vector<float>{1, 2, 5, 6, 9, 10}));
  // Size-1 dimensions do not break contiguity, whatever their stride.
  Tensor ones = Tensor::view_of(a.storage(), 0, {1, 12}, {99, 1});
  CHECK(ones.is_contiguous());
}

// Tensor records, storages and small data blocks are reused from per-thread caches
// (small_block_pool.h, the CPU allocator): a tensor made on one thread and freed on another, a
// thread that exits with cached blocks, and reuse after a free all keep every value and the
// alignment.
static void blocks_across_threads() {
  std::vector<Tensor> made_there;
  std::thread maker([&] {
    for (int i = 0; i < 300; ++i) made_there.push_back(Tensor::full({3, i % 7 + 1}, float(i)));
    std::vector<Tensor> freed_here;
    for (int i = 0; i < 300; ++i) freed_here.push_back(Tensor::full({2, 5}, 1.f));
  });  // exits with its caches full
  maker.join();
  for (int i = 0; i < 300; ++i) {
    const std::vector<float> v = made_there[i].to_vector();
    CHECK(v.size() == size_t(3 * (i % 7 + 1)));
    for (float x : v) CHECK(x == float(i));
  }
  std::thread freer([&] { made_there.clear(); });  // freed on a third thread
  freer.join();
  for (int round = 0; round < 3; ++round) {
    std::vector<Tensor> ts;
    for (int i = 0; i < 200; ++i) {
      ts.push_back(Tensor::full({i % 13 + 1}, float(round * 1000 + i)));
      CHECK(reinterpret_cast<uintptr_t>(ts.back().data()) % kAlignment == 0);
    }
    for (int i = 0; i < 200; ++i)
      for (float x : ts[i].to_vector()) CHECK(x == float(round * 1000 + i));
  }
}

int main() {
  try {
    shapes_and_strides();
    storage_and_alignment();
    views();
    blocks_across_threads();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "unexpected exception: %s\n", e.what());
    return 1;
  }
  return nerve_test::test_exit_code("test_tensor");
}
