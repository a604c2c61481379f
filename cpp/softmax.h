// softmax.h — the C++ API of softmax-wasm's kernels.
//
// Tensors are row-major; an op along one axis sees the tensor as
// (outer, n, inner): n is the axis length, inner the product of the dimensions
// after it (inner == 1 is the contiguous fast path), outer of those before it.
// Each of the outer * inner fibres of length n is handled on its own.
//
// Every function returns a Status and never throws. Outputs may alias the
// inputs they are computed from (in-place use), but must not partly overlap.
//
// Float32 and float64 versions share one template source; the SIMD128 build
// and the scalar build are the same source compiled with and without
// -msimd128 (see vec.h).
#pragma once

#include <cstddef>
#include <cstdint>

namespace smw {

enum Status : int32_t {
  kOk = 0,
  kNullPointer = 1,     // a pointer is null while the tensor is not empty
  kBadTemperature = 2,  // temperature is not a finite number > 0
  kSizeOverflow = 3,    // outer * n * inner does not fit in size_t
  kBadIndex = 4,        // a class index is outside [0, C) and not ignore_index
  kBadWeight = 5,       // a class weight is negative or NaN
  kBadOption = 6,       // an option (reduction, label smoothing) is out of range
};

// Softmax along the axis: y = exp((x - max) / T) / sum(...).
// Non-finite: a fibre holding NaN or +inf, or all -inf, becomes all NaN;
// -inf entries of other fibres give 0.
template <class T>
Status softmax(const T* x, T* y, size_t outer, size_t n, size_t inner, double temperature);

// y = (x - max) / T - log(sum(exp((x - max) / T))). Same non-finite rules,
// with -inf entries giving -inf.
template <class T>
Status log_softmax(const T* x, T* y, size_t outer, size_t n, size_t inner, double temperature);

// y[o, i] = log(sum_k exp(x[o, k, i])): NaN if the fibre has a NaN, else +inf
// if it has a +inf, else -inf if it is all -inf or empty.
template <class T>
Status log_sum_exp(const T* x, T* y, size_t outer, size_t n, size_t inner);

// Vector-Jacobian products, given the forward output y:
//   softmax:     dx = y * (dy - <dy, y>) / T
//   log-softmax: dx = (dy - exp(y) * sum(dy)) / T
template <class T>
Status softmax_backward(const T* dy, const T* y, T* dx, size_t outer, size_t n, size_t inner,
                        double temperature);
template <class T>
Status log_softmax_backward(const T* dy, const T* y, T* dx, size_t outer, size_t n, size_t inner,
                            double temperature);

// Explicit n x n Jacobians of a 1-D x, row-major, J[i*n + j] = d y_i / d x_j:
//   softmax:     (s_i * delta_ij - s_i * s_j) / T
//   log-softmax: (delta_ij - s_j) / T
// Computed in double; `work` must hold n doubles.
template <class T>
Status softmax_jacobian(const T* x, T* jac, size_t n, double temperature, double* work);
template <class T>
Status log_softmax_jacobian(const T* x, T* jac, size_t n, double temperature, double* work);

// Cross-entropy of logits (outer, C, inner) against class indices or class
// probabilities, with torch.nn.functional.cross_entropy's semantics; and
// nll_loss, the same on log-probabilities with class indices. A sample is one
// (outer, inner) position; its target index sits at target_index[o * inner + i].
enum Reduction : int32_t { kReduceNone = 0, kReduceMean = 1, kReduceSum = 2 };

template <class T>
struct LossArgs {
  const T* input = nullptr;               // logits (cross_entropy) or log-probabilities (nll_loss)
  const int32_t* target_index = nullptr;  // class indices, outer * inner of them, or null
  const T* target_prob = nullptr;         // class probabilities, the input's shape, or null
  const T* weight = nullptr;              // C class weights >= 0, or null for all ones
  size_t outer = 0, classes = 0, inner = 0;
  int32_t ignore_index = -100;  // index targets equal to it add nothing
  int32_t reduction = kReduceMean;
  double label_smoothing = 0.0;  // in [0, 1]; cross_entropy only
  T* loss_none = nullptr;        // reduction none: outer * inner losses
  double* loss_total = nullptr;  // reduction mean / sum: the loss
  T* grad = nullptr;             // d loss / d input (none: of the sum), or null
};

template <class T>
Status cross_entropy(const LossArgs<T>& a);
template <class T>
Status nll_loss(const LossArgs<T>& a);

// Name of the kernel variant this build runs, for bug reports.
const char* kernel_variant();

}  // namespace smw
