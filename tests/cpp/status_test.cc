// status_test.cc — the argument checks of every op (softmax.h, Status):
//   kBadTemperature: temperature not a finite number > 0; nothing is written;
//   kNullPointer:    a pointer is null while the tensor is not empty;
//   kSizeOverflow:   outer * n * inner (n * n for the Jacobians) does not fit
//                    in size_t;
//   empty tensors:   kOk, and no memory is touched (null pointers are fine).
// Every op is run through one table, so a new op needs one new row.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "check.h"
#include "softmax.h"

namespace {

using smw_test::dtype_name;

// An op with its pointer arguments in a fixed order: inputs first, then
// outputs (for the Jacobians the work array counts as an output).
template <class T>
struct Op {
  const char* name;
  int inputs, outputs;
  bool has_temperature;
  // p: the pointers, geometry (outer, n, inner; the Jacobians use n only).
  std::function<smw::Status(T* const* p, size_t outer, size_t n, size_t inner, double t)> call;
};

template <class T>
std::vector<Op<T>> ops() {
  return {
      {"softmax", 1, 1, true,
       [](T* const* p, size_t o, size_t n, size_t i, double t) {
         return smw::softmax<T>(p[0], p[1], o, n, i, t);
       }},
      {"log_softmax", 1, 1, true,
       [](T* const* p, size_t o, size_t n, size_t i, double t) {
         return smw::log_softmax<T>(p[0], p[1], o, n, i, t);
       }},
      {"log_sum_exp", 1, 1, false,
       [](T* const* p, size_t o, size_t n, size_t i, double) {
         return smw::log_sum_exp<T>(p[0], p[1], o, n, i);
       }},
      {"softmax_backward", 2, 1, true,
       [](T* const* p, size_t o, size_t n, size_t i, double t) {
         return smw::softmax_backward<T>(p[0], p[1], p[2], o, n, i, t);
       }},
      {"log_softmax_backward", 2, 1, true,
       [](T* const* p, size_t o, size_t n, size_t i, double t) {
         return smw::log_softmax_backward<T>(p[0], p[1], p[2], o, n, i, t);
       }},
      {"softmax_jacobian", 1, 2, true,
       [](T* const* p, size_t, size_t n, size_t, double t) {
         return smw::softmax_jacobian<T>(p[0], p[1], n, t, reinterpret_cast<double*>(p[2]));
       }},
      {"log_softmax_jacobian", 1, 2, true,
       [](T* const* p, size_t, size_t n, size_t, double t) {
         return smw::log_softmax_jacobian<T>(p[0], p[1], n, t, reinterpret_cast<double*>(p[2]));
       }},
  };
}

bool is_jacobian(const char* name) { return std::strstr(name, "jacobian") != nullptr; }

// Arrays for every pointer argument, each big enough for a (2, 3, 4) tensor,
// its 24 x 24 Jacobian or 24 work doubles, filled with a sentinel pattern.
template <class T>
struct Arrays {
  static constexpr size_t kElems = 24 * 24 * 2;
  std::vector<std::vector<T>> a;
  explicit Arrays(int count) : a(count, std::vector<T>(kElems)) {
    for (size_t k = 0; k < a.size(); ++k)
      for (size_t e = 0; e < kElems; ++e) a[k][e] = T(0.25) * T(e % 17) - T(k);
  }
  std::vector<T*> pointers() {
    std::vector<T*> p;
    for (auto& v : a) p.push_back(v.data());
    return p;
  }
  // True if no array differs from the pattern it was filled with.
  bool untouched() const {
    Arrays fresh(int(a.size()));
    for (size_t k = 0; k < a.size(); ++k)
      if (std::memcmp(a[k].data(), fresh.a[k].data(), kElems * sizeof(T)) != 0) return false;
    return true;
  }
};

template <class T>
class StatusTest : public ::testing::Test {};
using Dtypes = ::testing::Types<float, double>;
TYPED_TEST_SUITE(StatusTest, Dtypes);

TYPED_TEST(StatusTest, BadTemperatureWritesNothing) {
  using T = TypeParam;
  const double inf = std::numeric_limits<double>::infinity(), nan = std::nan("");
  for (const Op<T>& op : ops<T>()) {
    if (!op.has_temperature) continue;
    const size_t n = is_jacobian(op.name) ? 5 : 3;
    for (double t : {0.0, -0.0, -1.0, -1e-300, -4.9e-324, nan, -nan, inf, -inf}) {
      Arrays<T> arr(op.inputs + op.outputs);
      std::vector<T*> p = arr.pointers();
      EXPECT_EQ(smw::kBadTemperature, op.call(p.data(), 2, n, 4, t))
          << op.name << "<" << dtype_name<T>() << "> T=" << t;
      EXPECT_TRUE(arr.untouched())
          << op.name << "<" << dtype_name<T>() << "> T=" << t << ": wrote with a bad temperature";
    }
    // The ends of the valid range are accepted.
    for (double t : {4.9e-324, 1e-300, 1.0, 1e300, std::numeric_limits<double>::max()}) {
      Arrays<T> arr(op.inputs + op.outputs);
      std::vector<T*> p = arr.pointers();
      EXPECT_EQ(smw::kOk, op.call(p.data(), 2, n, 4, t)) << op.name << " T=" << t;
    }
  }
}

TYPED_TEST(StatusTest, NullPointerWithNonEmptyTensor) {
  using T = TypeParam;
  for (const Op<T>& op : ops<T>()) {
    const int count = op.inputs + op.outputs;
    // Every non-empty subset of the pointers set to null.
    for (int mask = 1; mask < (1 << count); ++mask) {
      Arrays<T> arr(count);
      std::vector<T*> p = arr.pointers();
      for (int k = 0; k < count; ++k)
        if (mask & (1 << k)) p[k] = nullptr;
      for (auto g : {std::vector<size_t>{1, 1, 1}, std::vector<size_t>{2, 3, 4},
                     std::vector<size_t>{1, 7, 1}}) {
        EXPECT_EQ(smw::kNullPointer, op.call(p.data(), g[0], g[1], g[2], 1.0))
            << op.name << "<" << dtype_name<T>() << "> null mask " << mask << " geometry (" << g[0]
            << ", " << g[1] << ", " << g[2] << ")";
        EXPECT_TRUE(arr.untouched()) << op.name << ": wrote although a pointer was null";
      }
    }
  }
}

TYPED_TEST(StatusTest, SizeOverflow) {
  using T = TypeParam;
  const size_t kMax = SIZE_MAX, k32 = size_t(1) << 32;
  // SIZE_MAX = 3 * 5 * 17 * 257 * 641 * 65537 * 6700417: (3, 5, SIZE_MAX / 15)
  // is exactly SIZE_MAX elements (fits), one more inner overflows.
  const std::vector<std::vector<size_t>> overflowing = {
      {kMax, 2, 1},          {2, kMax, 1},      {1, 2, kMax},
      {k32, k32, 1},         {1, k32, k32},     {size_t(1) << 22, size_t(1) << 21, size_t(1) << 21},
      {3, 5, kMax / 15 + 1}, {kMax, kMax, kMax}};
  for (const Op<T>& op : ops<T>()) {
    if (is_jacobian(op.name)) continue;
    for (const auto& g : overflowing) {
      Arrays<T> arr(op.inputs + op.outputs);
      std::vector<T*> p = arr.pointers();
      EXPECT_EQ(smw::kSizeOverflow, op.call(p.data(), g[0], g[1], g[2], 1.0))
          << op.name << "<" << dtype_name<T>() << "> (" << g[0] << ", " << g[1] << ", " << g[2]
          << ")";
      EXPECT_TRUE(arr.untouched()) << op.name << ": wrote on size overflow";
    }
    // Exactly SIZE_MAX elements is not an overflow: with null pointers the
    // next check answers.
    std::vector<T*> nulls(op.inputs + op.outputs, nullptr);
    EXPECT_EQ(smw::kNullPointer, op.call(nulls.data(), 3, 5, kMax / 15, 1.0))
        << op.name << "<" << dtype_name<T>() << "> (3, 5, SIZE_MAX / 15)";
  }
  // Jacobians: n * n entries.
  for (const Op<T>& op : ops<T>()) {
    if (!is_jacobian(op.name)) continue;
    for (size_t n : {k32, k32 + 1, kMax, kMax / 2}) {
      Arrays<T> arr(op.inputs + op.outputs);
      std::vector<T*> p = arr.pointers();
      EXPECT_EQ(smw::kSizeOverflow, op.call(p.data(), 1, n, 1, 1.0)) << op.name << " n=" << n;
      EXPECT_TRUE(arr.untouched()) << op.name << ": wrote on size overflow";
    }
    std::vector<T*> nulls(op.inputs + op.outputs, nullptr);
    EXPECT_EQ(smw::kNullPointer, op.call(nulls.data(), 1, k32 - 1, 1, 1.0))
        << op.name << " n = 2^32 - 1 (n * n fits)";
  }
}

TYPED_TEST(StatusTest, EmptyTensorsTouchNothing) {
  using T = TypeParam;
  const std::vector<std::vector<size_t>> empty = {{0, 0, 0}, {0, 5, 3},        {2, 0, 3},
                                                  {2, 5, 0}, {0, SIZE_MAX, 7}, {3, SIZE_MAX, 0}};
  for (const Op<T>& op : ops<T>()) {
    const bool jac = is_jacobian(op.name);
    for (const auto& g : empty) {
      if (jac && g[1] != 0) continue;  // a Jacobian is empty only for n == 0
      // log_sum_exp of empty fibres has outer * inner outputs (all -inf): it
      // is empty only when outer * inner == 0 (log_sum_exp_test.cc covers
      // the rest).
      if (std::string(op.name) == "log_sum_exp" && g[1] == 0 && g[0] * g[2] != 0) continue;
      std::vector<T*> nulls(op.inputs + op.outputs, nullptr);
      EXPECT_EQ(smw::kOk, op.call(nulls.data(), g[0], g[1], g[2], 1.0))
          << op.name << "<" << dtype_name<T>() << "> empty (" << g[0] << ", " << g[1] << ", "
          << g[2] << ") with null pointers";
      Arrays<T> arr(op.inputs + op.outputs);
      std::vector<T*> p = arr.pointers();
      EXPECT_EQ(smw::kOk, op.call(p.data(), g[0], g[1], g[2], 1.0)) << op.name;
      EXPECT_TRUE(arr.untouched()) << op.name << "<" << dtype_name<T>() << "> empty (" << g[0]
                                   << ", " << g[1] << ", " << g[2] << "): wrote to memory";
    }
  }
}

// log_sum_exp over empty fibres (n == 0) still has outer * inner outputs.
// Its argument checks must treat that output like any other: a null output
// pointer is kNullPointer, and an outer * inner that does not fit in size_t
// is kSizeOverflow. (The kernel checks only outer * n * inner, which is 0
// here, and then fills y[0 .. outer * inner) with -inf.)
template <class T>
class LogSumExpEmptyFibreDeathTest : public ::testing::Test {};
TYPED_TEST_SUITE(LogSumExpEmptyFibreDeathTest, Dtypes);

TYPED_TEST(LogSumExpEmptyFibreDeathTest, NullOutputIsNullPointer) {
  using T = TypeParam;
  // Run in a child process: if the kernel writes through the null pointer the
  // child dies and this test fails instead of the whole binary.
  EXPECT_EXIT(
      {
        const smw::Status st = smw::log_sum_exp<T>(nullptr, nullptr, 2, 0, 3);
        std::fprintf(stderr, "status %d\n", int(st));
        std::_Exit(st == smw::kNullPointer ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "")
      << "log_sum_exp<" << dtype_name<T>() << ">(x = null, y = null, outer = 2, n = 0, inner = 3)"
      << " must return kNullPointer: its output has 6 elements";
}

TYPED_TEST(LogSumExpEmptyFibreDeathTest, OutputCountOverflowIsSizeOverflow) {
  using T = TypeParam;
  // outer * inner = 2^66 wraps to 4 in size_t arithmetic; the buffer holds 16
  // so a wrapped fill stays inside it and the wrong status is what fails.
  std::vector<T> y(16, T(5));
  const size_t k33 = size_t(1) << 33;
  EXPECT_EQ(smw::kSizeOverflow, smw::log_sum_exp<T>(nullptr, y.data(), k33, 0, k33))
      << "log_sum_exp<" << dtype_name<T>() << ">(outer = 2^33, n = 0, inner = 2^33)";
  size_t written = 0;
  for (T v : y) written += v != T(5);
  EXPECT_EQ(0u, written) << "elements written although outer * inner does not fit in size_t";
}

}  // namespace
