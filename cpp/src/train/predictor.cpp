#include "nerve/predictor.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "nerve/autograd.h"
#include "nerve/device.h"
#include "nerve/interrupt.h"
#include "nerve/trainer.h"  // slice_rows

namespace nerve {

namespace {

// When all the inputs fit in one batch, the forward pass's outputs can be the results themselves,
// saving a copy of each (16 MB for a 4096 x 1024 Dense output, plus the page faults of writing a
// fresh buffer): only when nobody else holds their memory (not the inputs, a weight or a layer's
// buffer: a result must not change when those do) and each is a whole, dense buffer.
bool hand_over(const std::vector<Tensor>& preds) {
  for (const Tensor& p : preds) {
    const std::shared_ptr<Storage>& s = p.storage();
    if (!s || p.impl_ptr().use_count() != 1 || s.use_count() != 1 || p.offset() != 0 || !p.is_contiguous() ||
        s->nbytes() != static_cast<size_t>(p.numel()) * sizeof(float))
      return false;
  }
  return true;
}

}  // namespace

Predictor::Predictor(std::shared_ptr<Model> model) : model_(std::move(model)) {
  if (!model_) throw std::invalid_argument("Predictor: model is null");
}

std::vector<Tensor> Predictor::predict(const std::vector<Tensor>& xs, int64_t batch_size, bool keep_activity) {
  if (batch_size <= 0) throw std::invalid_argument("batch_size must be positive");
  if (xs.size() != model_->num_inputs())
    throw std::invalid_argument("the model has " + std::to_string(model_->num_inputs()) + " input(s), got " +
                                std::to_string(xs.size()) + " input array(s)");
  if (xs.empty()) throw std::invalid_argument("the model has no inputs");
  for (const Tensor& x : xs)
    if (x.dim() == 0 || x.size(0) != xs[0].size(0))
      throw std::invalid_argument("inputs of shape " + x.shape_string() +
                                  " do not have the same number of samples as inputs of shape " + xs[0].shape_string());
  NoGradGuard no_grad;
  // One input and one output (Sequential) runs forward() on plain tensors: no vectors per batch.
  bool single = xs.size() == 1 && model_->num_outputs() == 1;
  std::vector<Tensor> xc;
  xc.reserve(xs.size());
  for (const Tensor& x : xs) xc.push_back(x.contiguous());
  int64_t n = xs[0].size(0);
  std::vector<Tensor> outs;
  InterruptPoll poll;  // a pending interrupt stops it between two batches (nerve/interrupt.h)
  try {
    for (int64_t begin = 0; begin < n; begin += batch_size) {
      if (begin > 0) poll();
      int64_t end = std::min(n, begin + batch_size);
      std::lock_guard<RunLock> lock(model_->run_lock());  // one batch sees whole training steps
      std::vector<Tensor> preds;
      if (single) {
        preds.push_back(model_->forward(slice_rows(xc[0], begin, end), false));
      } else {
        std::vector<Tensor> batch;
        batch.reserve(xc.size());
        for (const Tensor& x : xc) batch.push_back(slice_rows(x, begin, end));
        preds = model_->forward_many(batch, false);
      }
      // The layers' activity penalties of this batch are nobody's (a training step reads only
      // its own forward pass's), unless a direct call's last batch leaves them for layer.losses.
      if (!keep_activity || end < n) model_->clear_activity_losses();
      if (begin == 0 && end == n && hand_over(preds)) return preds;  // one batch: no copy
      if (outs.empty()) {
        for (const Tensor& p : preds) {
          Shape shape = p.shape();
          shape[0] = n;
          outs.push_back(Tensor::empty(shape, p.device()));
        }
      }
      for (size_t i = 0; i < preds.size(); ++i) {
        Tensor pred = preds[i].contiguous();
        int64_t row = pred.numel() / std::max<int64_t>(end - begin, 1);
        backend_for(pred.device())
            .copy(outs[i].data() + begin * row, pred.data(), static_cast<size_t>(pred.numel()) * sizeof(float));
      }
    }
  } catch (...) {
    std::lock_guard<RunLock> lock(model_->run_lock());
    model_->clear_activity_losses();  // a failed batch may have recorded some
    throw;
  }
  if (outs.empty()) throw std::invalid_argument("predict: no samples");
  return outs;
}

}  // namespace nerve
