// _core.sgemm: nerve::sgemm on 2-D float32 numpy arrays (row stride may exceed the row length).
#include "nerve/gemm.h"

#include <pybind11/numpy.h>

#include <cstdint>
#include <string>
#include <utility>

#include "bindings.h"
#include "nerve/activation.h"
#include "nerve/runtime.h"

namespace py = pybind11;
namespace nerve::py_bindings {

namespace {

struct View {
  int64_t rows, cols, ld;
  const void* data;
};

// A 2-D float32 array whose elements within a row are contiguous; returns its leading dimension.
View as_matrix(const py::array& x, const char* name) {
  if (!x.dtype().is(py::dtype::of<float>()))
    throw py::value_error(std::string("sgemm: ") + name + " must be float32, got " + std::string(py::str(x.dtype())));
  if (x.ndim() != 2)
    throw py::value_error(std::string("sgemm: ") + name + " must be 2-D, got " + std::to_string(x.ndim()) + "-D");
  const int64_t rows = x.shape(0), cols = x.shape(1);
  const int64_t s0 = x.strides(0), s1 = x.strides(1);
  const int64_t es = static_cast<int64_t>(sizeof(float));
  if (rows == 0 || cols == 0) return View{rows, cols, cols > 1 ? cols : 1, x.data()};
  if (cols > 1 && s1 != es)
    throw py::value_error(std::string("sgemm: ") + name + " must have contiguous rows (last stride " +
                          std::to_string(s1) + " bytes, expected 4); pass np.ascontiguousarray(" + name + ")");
  int64_t ld = cols > 1 ? cols : 1;
  if (rows > 1) {
    if (s0 <= 0 || s0 % es != 0 || s0 / es < cols)
      throw py::value_error(std::string("sgemm: ") + name + " has an unsupported row stride (" + std::to_string(s0) +
                            " bytes for rows of " + std::to_string(cols) + " floats); pass np.ascontiguousarray(" +
                            name + ")");
    ld = s0 / es;
  }
  return View{rows, cols, ld, x.data()};
}

// The memory extents of two views meet (what np.may_share_memory checks by default: bounds,
// not exact element sets). A view's rows are contiguous with a positive stride (as_matrix), so
// its extent is [data, data + ((rows - 1) * ld + cols) floats). Computed here rather than by
// calling numpy: the import and call cost a microsecond, as much as a small product itself.
bool overlaps(const View& a, const View& b) {
  if (a.rows == 0 || a.cols == 0 || b.rows == 0 || b.cols == 0) return false;
  auto lo = [](const View& v) { return reinterpret_cast<uintptr_t>(v.data); };
  auto hi = [&](const View& v) { return lo(v) + static_cast<uintptr_t>(((v.rows - 1) * v.ld + v.cols) * 4); };
  return lo(a) < hi(b) && lo(b) < hi(a);
}

using GemmFn = void (*)(Trans, Trans, int64_t, int64_t, int64_t, float, const float*, int64_t, const float*, int64_t,
                        float, float*, int64_t, const Epilogue&);

// c = act(alpha * op(a) @ op(b) + beta * c + bias) through `gemm` (sgemm or sgemm_bf16).
py::array call_gemm(GemmFn gemm, const char* fname, const py::array& a, const py::array& b, py::object c_obj,
                    float alpha, float beta, bool trans_a, bool trans_b, py::object bias_obj,
                    const std::string& activation, float act_alpha) {
  const std::string who = std::string(fname) + ": ";
  const View A = as_matrix(a, "a"), B = as_matrix(b, "b");
  const int64_t M = trans_a ? A.cols : A.rows, K = trans_a ? A.rows : A.cols;
  const int64_t Kb = trans_b ? B.cols : B.rows, N = trans_b ? B.rows : B.cols;
  if (K != Kb)
    throw py::value_error(who + "inner dimensions differ: op(a) is " + std::to_string(M) + "x" + std::to_string(K) +
                          ", op(b) is " + std::to_string(Kb) + "x" + std::to_string(N));
  Epilogue ep;
  ep.activation = activation_from_name(activation);  // invalid_argument -> ValueError
  if (!activation_elementwise(ep.activation))
    throw py::value_error(who + activation_name(ep.activation) + " is not element-wise and cannot be fused");
  ep.alpha = act_alpha;
  py::array_t<float> bias_arr;
  if (!bias_obj.is_none()) {
    py::array bb = py::array::ensure(bias_obj);
    if (!bb || !bb.dtype().is(py::dtype::of<float>()) || bb.ndim() != 1 || bb.shape(0) != N)
      throw py::value_error(who + "bias must be a 1-D float32 array of length N = " + std::to_string(N));
    bias_arr = py::array_t<float, py::array::c_style>::ensure(bb);
    ep.bias = bias_arr.data();
  }
  py::array c;
  if (c_obj.is_none()) {
    c = beta == 0.f ? py::array(py::array_t<float>({M, N}))
                    : py::array(py::module_::import("numpy").attr("zeros")(py::make_tuple(M, N), "float32"));
  } else {
    c = py::reinterpret_borrow<py::array>(c_obj);
    if (!py::isinstance<py::array>(c_obj)) throw py::value_error(who + "c must be a numpy array");
    if (!c.writeable()) throw py::value_error(who + "c is read-only");
  }
  const View Cv = as_matrix(c, "c");
  if (Cv.rows != M || Cv.cols != N)
    throw py::value_error(who + "c has shape (" + std::to_string(Cv.rows) + ", " + std::to_string(Cv.cols) +
                          "), expected (" + std::to_string(M) + ", " + std::to_string(N) + ")");
  if (!c_obj.is_none() && (overlaps(Cv, A) || overlaps(Cv, B)))
    throw py::value_error(who + "c must not share memory with a or b");
  float* cp = static_cast<float*>(c.mutable_data());
  {
    py::gil_scoped_release nogil;
    gemm(trans_a ? Trans::Yes : Trans::No, trans_b ? Trans::Yes : Trans::No, M, N, K, alpha,
         static_cast<const float*>(A.data), A.ld, static_cast<const float*>(B.data), B.ld, beta, cp, Cv.ld, ep);
  }
  return c;
}

}  // namespace

void bind_gemm(py::module_& m) {
  const Epilogue kEpilogue;  // no bias, no activation
  m.def(
      "sgemm",
      [](const py::array& a, const py::array& b, py::object c, float alpha, float beta, bool trans_a, bool trans_b,
         py::object bias, const std::string& activation, float act_alpha) -> py::array {
        return call_gemm(static_cast<GemmFn>(&sgemm), "sgemm", a, b, std::move(c), alpha, beta, trans_a, trans_b,
                         std::move(bias), activation, act_alpha);
      },
      py::arg("a"), py::arg("b"), py::arg("c") = py::none(), py::arg("alpha") = 1.0f, py::arg("beta") = 0.0f,
      py::arg("trans_a") = false, py::arg("trans_b") = false, py::arg("bias") = py::none(),
      py::arg("activation") = activation_name(kEpilogue.activation), py::arg("act_alpha") = kEpilogue.alpha,
      "c = act(alpha * op(a) @ op(b) + beta * c + bias), op = transpose when trans_*.\n"
      "a, b, c: 2-D float32 with contiguous rows (row stride may be larger: column slices are\n"
      "fine). c is updated in place and returned; without c a new array is returned.");
  m.def(
      "sgemm_bf16",
      [](const py::array& a, const py::array& b, py::object c, float alpha, float beta, bool trans_a, bool trans_b,
         py::object bias, const std::string& activation, float act_alpha) -> py::array {
        return call_gemm(&sgemm_bf16, "sgemm_bf16", a, b, std::move(c), alpha, beta, trans_a, trans_b, std::move(bias),
                         activation, act_alpha);
      },
      py::arg("a"), py::arg("b"), py::arg("c") = py::none(), py::arg("alpha") = 1.0f, py::arg("beta") = 0.0f,
      py::arg("trans_a") = false, py::arg("trans_b") = false, py::arg("bias") = py::none(),
      py::arg("activation") = activation_name(kEpilogue.activation), py::arg("act_alpha") = kEpilogue.alpha,
      "sgemm with op(a) and op(b) rounded to bfloat16 (nearest even) and float32 sums, on the\n"
      "bfloat16 kernel in use (bf16_kernel(): amx, avx512_bf16 or plain). Same arguments as sgemm.");
  m.def(
      "measure_fma_peak",
      [](int threads) {
        py::gil_scoped_release nogil;
        return measure_fma_peak_gflops(threads);
      },
      py::arg("threads") = 1, "Benchmark helper: FMA throughput (GFLOP/s) of the active ISA with `threads` threads.");
}

}  // namespace nerve::py_bindings
