// module.cc — the Embind surface of the kernels (internal: users call the JS
// API in index.js, which validates every argument before calling these).
//
// Pointers cross as uintptr_t byte offsets into the wasm heap, so JS can
// place arrays with malloc and work on HEAPF32/HEAPF64 without copies.
// Every function returns smw::Status; none throws (a C++ exception would
// reach JS as a bare number and leak heap on Emscripten 3.1.6).
#include <emscripten/bind.h>

#include <string>

#include "../cpp/sample.h"
#include "../cpp/softmax.h"

namespace {

template <class T>
using Forward = smw::Status (*)(const T*, T*, size_t, size_t, size_t, double);
template <class T>
using Backward = smw::Status (*)(const T*, const T*, T*, size_t, size_t, size_t, double);
template <class T>
using Jacobian = smw::Status (*)(const T*, T*, size_t, double, double*);

template <class T, Forward<T> F>
int forward(uintptr_t x, uintptr_t y, size_t outer, size_t n, size_t inner, double temperature) {
  return F(reinterpret_cast<const T*>(x), reinterpret_cast<T*>(y), outer, n, inner, temperature);
}

template <class T>
int log_sum_exp(uintptr_t x, uintptr_t y, size_t outer, size_t n, size_t inner) {
  return smw::log_sum_exp<T>(reinterpret_cast<const T*>(x), reinterpret_cast<T*>(y), outer, n,
                             inner);
}

template <class T, Backward<T> F>
int backward(uintptr_t dy, uintptr_t y, uintptr_t dx, size_t outer, size_t n, size_t inner,
             double temperature) {
  return F(reinterpret_cast<const T*>(dy), reinterpret_cast<const T*>(y), reinterpret_cast<T*>(dx),
           outer, n, inner, temperature);
}

template <class T, Jacobian<T> F>
int jacobian(uintptr_t x, uintptr_t jac, size_t n, double temperature, uintptr_t work) {
  return F(reinterpret_cast<const T*>(x), reinterpret_cast<T*>(jac), n, temperature,
           reinterpret_cast<double*>(work));
}

template <class T, smw::Status (*F)(const smw::LossArgs<T>&)>
int loss(uintptr_t input, uintptr_t target_index, uintptr_t target_prob, uintptr_t weight,
         size_t outer, size_t classes, size_t inner, int ignore_index, int reduction,
         double label_smoothing, uintptr_t loss_none, uintptr_t loss_total, uintptr_t grad) {
  smw::LossArgs<T> a;
  a.input = reinterpret_cast<const T*>(input);
  a.target_index = reinterpret_cast<const int32_t*>(target_index);
  a.target_prob = reinterpret_cast<const T*>(target_prob);
  a.weight = reinterpret_cast<const T*>(weight);
  a.outer = outer;
  a.classes = classes;
  a.inner = inner;
  a.ignore_index = ignore_index;
  a.reduction = reduction;
  a.label_smoothing = label_smoothing;
  a.loss_none = reinterpret_cast<T*>(loss_none);
  a.loss_total = reinterpret_cast<double*>(loss_total);
  a.grad = reinterpret_cast<T*>(grad);
  return F(a);
}

std::string kernel_variant() { return smw::kernel_variant(); }
std::string sampling_variant() { return smw::sampling_variant(); }

// sample / filterLogits. The scalar options come as 14 doubles at `params`:
// rows, vocab, temperature, topK, topP, minP, repetitionPenalty,
// presencePenalty, frequencyPenalty, biasCount, key0, key1, position,
// logitsWritable (1: `logits` is the wrapper's own copy, which the kernel
// may overwrite).
// history_range: 2 * rows uint32 [begin, end) into history, or 0 for none.
template <class T>
int sample(uintptr_t params, uintptr_t logits, uintptr_t history, uintptr_t history_range,
           uintptr_t bias_ids, uintptr_t bias_values, uintptr_t tokens, uintptr_t log_probs,
           uintptr_t filtered, uintptr_t work, uintptr_t bad_row) {
  const double* p = reinterpret_cast<const double*>(params);
  smw::SampleArgs<T> a;
  a.rows = size_t(p[0]);
  a.vocab = size_t(p[1]);
  a.temperature = p[2];
  a.top_k = size_t(p[3]);
  a.top_p = p[4];
  a.min_p = p[5];
  a.repetition_penalty = p[6];
  a.presence_penalty = p[7];
  a.frequency_penalty = p[8];
  a.bias_count = size_t(p[9]);
  a.key0 = uint32_t(p[10]);
  a.key1 = uint32_t(p[11]);
  a.position = uint64_t(p[12]);
  a.logits_writable = p[13] != 0.0;
  a.logits = reinterpret_cast<const T*>(logits);
  a.history = reinterpret_cast<const int32_t*>(history);
  a.history_range = reinterpret_cast<const uint32_t*>(history_range);
  a.bias_ids = reinterpret_cast<const int32_t*>(bias_ids);
  a.bias_values = reinterpret_cast<const double*>(bias_values);
  a.tokens = reinterpret_cast<int32_t*>(tokens);
  a.log_probs = reinterpret_cast<double*>(log_probs);
  a.filtered = reinterpret_cast<T*>(filtered);
  a.work = reinterpret_cast<void*>(work);
  a.bad_row = reinterpret_cast<uint32_t*>(bad_row);
  return smw::sample<T>(a);
}

template <class T>
double sample_workspace(double vocab, double max_history, double rows) {
  return double(smw::sample_workspace_bytes<T>(size_t(vocab), size_t(max_history), size_t(rows)));
}

double top_k_workspace(double n, double outer) {
  return double(smw::top_k_workspace_bytes(size_t(n), size_t(outer)));
}

template <class T>
int top_k(uintptr_t x, uintptr_t values, uintptr_t indices, size_t outer, size_t n, size_t inner,
          size_t k, bool largest, bool sorted, uintptr_t work) {
  return smw::top_k<T>(reinterpret_cast<const T*>(x), reinterpret_cast<T*>(values),
                       reinterpret_cast<int32_t*>(indices), outer, n, inner, k, largest, sorted,
                       reinterpret_cast<void*>(work));
}

template <class T>
int argmax(uintptr_t x, uintptr_t out, size_t outer, size_t n, size_t inner) {
  return smw::argmax<T>(reinterpret_cast<const T*>(x), reinterpret_cast<int32_t*>(out), outer, n,
                        inner);
}

}  // namespace

EMSCRIPTEN_BINDINGS(softmax_wasm) {
  using namespace emscripten;
  function("softmax_f32", &forward<float, smw::softmax<float>>);
  function("softmax_f64", &forward<double, smw::softmax<double>>);
  function("logSoftmax_f32", &forward<float, smw::log_softmax<float>>);
  function("logSoftmax_f64", &forward<double, smw::log_softmax<double>>);
  function("logSumExp_f32", &log_sum_exp<float>);
  function("logSumExp_f64", &log_sum_exp<double>);
  function("softmaxBackward_f32", &backward<float, smw::softmax_backward<float>>);
  function("softmaxBackward_f64", &backward<double, smw::softmax_backward<double>>);
  function("logSoftmaxBackward_f32", &backward<float, smw::log_softmax_backward<float>>);
  function("logSoftmaxBackward_f64", &backward<double, smw::log_softmax_backward<double>>);
  function("softmaxJacobian_f32", &jacobian<float, smw::softmax_jacobian<float>>);
  function("softmaxJacobian_f64", &jacobian<double, smw::softmax_jacobian<double>>);
  function("logSoftmaxJacobian_f32", &jacobian<float, smw::log_softmax_jacobian<float>>);
  function("logSoftmaxJacobian_f64", &jacobian<double, smw::log_softmax_jacobian<double>>);
  function("crossEntropy_f32", &loss<float, smw::cross_entropy<float>>);
  function("crossEntropy_f64", &loss<double, smw::cross_entropy<double>>);
  function("nllLoss_f32", &loss<float, smw::nll_loss<float>>);
  function("nllLoss_f64", &loss<double, smw::nll_loss<double>>);
  function("kernelVariant", &kernel_variant);
  function("sample_f32", &sample<float>);
  function("sample_f64", &sample<double>);
  function("sampleWorkspaceBytes_f32", &sample_workspace<float>);
  function("sampleWorkspaceBytes_f64", &sample_workspace<double>);
  function("topKWorkspaceBytes", &top_k_workspace);
  function("topK_f32", &top_k<float>);
  function("topK_f64", &top_k<double>);
  function("argmax_f32", &argmax<float>);
  function("argmax_f64", &argmax<double>);
  function("samplingVariant", &sampling_variant);
}
