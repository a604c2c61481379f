// check.h — comparisons against the reference, shared by the op tests.
//
// Each comparison checks every component, and on failure reports how many
// failed and the worst one (flat index, its (o, k, i) position, got, ref).
// The largest error measured per (op, dtype) is recorded and printed once at
// the end of the run, with the kernel variant, so a log shows how close every
// build is to its bound. Where the contract splits a relative bound by output
// size (softmax float32: >= 1e-12 and [1e-30, 1e-12)), each range has its own
// row, named by the range: the "measured" of each line of cpp/accuracy.json.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "accuracy_table.h"
#include "reference.h"
#include "softmax.h"

namespace smw_test {

using ref::LD;

template <class T>
const char* dtype_name() {
  return std::is_same<T, float>::value ? "float32" : "float64";
}

// The accuracy contract of one op's quantity for dtype T, from
// cpp/accuracy.json (CMake writes it into accuracy_table.h): its lines,
// ordered by `from`. at(x) is the bound covering an output of magnitude x (the
// line with the largest from <= x: a range split is one more line in the
// JSON); floor() the smallest output any line covers (relative bounds; below
// it an output only has to stay below it in magnitude, as exp results under
// 2^-125 are flushed to zero); top() the bound of the highest range.
struct Contract {
  std::vector<std::pair<double, double>> lines;  // (from, bound), from ascending

  template <class T>
  static Contract of(const std::string& op, const std::string& quantity) {
    Contract c;
    for (const auto& b : smw_accuracy::kBounds)
      if (op == b.op && quantity == b.quantity && std::string(dtype_name<T>()) == b.dtype)
        c.lines.emplace_back(b.from, b.bound);
    std::sort(c.lines.begin(), c.lines.end());
    if (c.lines.empty())
      ADD_FAILURE() << "cpp/accuracy.json has no bound for " << op << " " << quantity << " "
                    << dtype_name<T>();
    return c;
  }
  double at(LD x) const {
    double b = lines.empty() ? 0 : lines.front().second;
    for (const auto& l : lines)
      if (LD(l.first) <= x) b = l.second;
    return b;
  }
  LD floor() const { return lines.empty() ? 0 : LD(lines.front().first); }
  double top() const { return lines.empty() ? 0 : lines.back().second; }
  // The index of the line covering an output of magnitude x (x >= floor()).
  size_t line_of(LD x) const {
    size_t i = 0;
    for (size_t k = 0; k < lines.size(); ++k)
      if (LD(lines[k].first) <= x) i = k;
    return i;
  }
  // The range of line i, for the max-error table: ">= 1e-12" or "[1e-30, 1e-12)".
  std::string range(size_t i) const {
    char b[64];
    if (i + 1 < lines.size())
      std::snprintf(b, sizeof b, "[%g, %g)", lines[i].first, lines[i + 1].first);
    else
      std::snprintf(b, sizeof b, ">= %g", lines[i].first);
    return b;
  }
};

// The contract's bound for op / quantity and dtype T (its highest range).
template <class T>
double contract_bound(const std::string& op, const std::string& quantity) {
  return Contract::of<T>(op, quantity).top();
}

// ---- largest error seen, per (op, dtype) ----------------------------------

struct MaxErrors {
  std::map<std::string, std::pair<double, std::string>> by_key;
  void note(const std::string& key, double err, const std::string& where) {
    auto& slot = by_key[key];
    if (!(err <= slot.first) || slot.second.empty()) slot = {err, where};
  }
};

inline MaxErrors& max_errors() {
  static MaxErrors m;
  return m;
}

class PrintMaxErrors : public ::testing::Environment {
 public:
  void TearDown() override {
    std::printf("\n[max errors] kernel variant: %s\n", smw::kernel_variant());
    for (const auto& kv : max_errors().by_key)
      std::printf("[max errors] %-40s %.3e   (%s)\n", kv.first.c_str(), kv.second.first,
                  kv.second.second.c_str());
  }
};

inline bool register_printer() {
  static bool done = (::testing::AddGlobalTestEnvironment(new PrintMaxErrors), true);
  return done;
}
static const bool kPrinterRegistered = register_printer();

// ---- comparisons ----------------------------------------------------------

enum class Measure {
  kRel,      // |got - ref| / |ref| for |ref| >= the contract's floor, else |got| <= floor
  kAbsMax1,  // |got - ref| / max(1, |ref|)
  kScaled,   // |got - ref| / scale (backward ops), plus an allowance
};

// What a comparison needs besides got and ref.
struct Spec {
  std::string op;       // key of the max-error table, e.g. "softmax/float32"
  std::string context;  // geometry, temperature, seed: printed on failure
  Measure measure = Measure::kRel;
  double tol = 0;           // use_contract sets it: the contract's bound (highest range)
  std::string contract;     // op of cpp/accuracy.json, e.g. "softmax"
  std::string quantity;     // its quantity, e.g. "y"
  size_t n = 1, inner = 1;  // to print (o, k, i) of an index
  const std::vector<LD>* scale = nullptr;  // kScaled: per-component scale
  const std::vector<LD>* allow = nullptr;  // kScaled: absolute allowance per component
};

// Points spec at op / quantity of the contract (spec.tol: its highest range).
template <class T>
void use_contract(Spec& spec, const std::string& op, const std::string& quantity) {
  spec.contract = op;
  spec.quantity = quantity;
  spec.tol = contract_bound<T>(op, quantity);
}

template <class T>
std::string show(T v) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*Lg", std::numeric_limits<T>::max_digits10, LD(v));
  return b;
}

inline std::string show_ld(LD v) {
  char b[64];
  std::snprintf(b, sizeof b, "%.21Lg", v);
  return b;
}

// got[k] against ref[k] for every k; records the largest measured error.
template <class T>
::testing::AssertionResult compare(const T* got, const std::vector<LD>& ref, const Spec& spec) {
  size_t fails = 0, worst = SIZE_MAX;
  double worst_ratio = -1, max_err = 0;
  size_t max_err_at = SIZE_MAX;
  const Contract contract = Contract::of<T>(spec.contract, spec.quantity);
  // A relative bound split by output size: the largest error per range too.
  const bool split = spec.measure == Measure::kRel && contract.lines.size() > 1;
  std::vector<double> line_err(contract.lines.size(), 0);
  std::vector<size_t> line_at(contract.lines.size(), SIZE_MAX);
  for (size_t k = 0; k < ref.size(); ++k) {
    const LD r = ref[k], g = LD(got[k]);
    const T rt = T(r);  // the reference rounded to T: may overflow to inf
    bool ok;
    double err = 0, ratio = 0;
    if (std::isnan(r)) {
      ok = std::isnan(g);
      ratio = err = ok ? 0 : INFINITY;
    } else if (std::isinf(rt)) {
      ok = g == LD(rt);
      ratio = err = ok ? 0 : INFINITY;
    } else if (std::isnan(g) || std::isinf(g)) {
      ok = false;
      ratio = err = INFINITY;
    } else {
      switch (spec.measure) {
        case Measure::kRel:
          if (std::fabs(r) >= contract.floor()) {
            err = double(std::fabs(g - r) / std::fabs(r));
            ratio = err / contract.at(std::fabs(r));
            if (split) {
              const size_t li = contract.line_of(std::fabs(r));
              if (err > line_err[li] || line_at[li] == SIZE_MAX) {
                line_err[li] = err;
                line_at[li] = k;
              }
            }
          } else {
            ratio = err = std::fabs(g) <= contract.floor() * (1 + spec.tol) ? 0 : INFINITY;
          }
          break;
        case Measure::kAbsMax1:
          err = double(std::fabs(g - r) / std::max(LD(1), std::fabs(r)));
          ratio = err / spec.tol;
          break;
        case Measure::kScaled: {
          const LD s = (*spec.scale)[k], a = spec.allow ? (*spec.allow)[k] : 0;
          const LD bound = LD(spec.tol) * s + a;
          const LD d = std::fabs(g - r);
          err = s > 0 ? double(d / s) : (d > 0 ? INFINITY : 0);
          ratio = bound > 0 ? double(d / bound) : (d > 0 ? INFINITY : 0);
          if (d <= a) err = 0;  // within the documented flush / underflow allowance
          break;
        }
      }
      ok = ratio <= 1;
    }
    if (!ok) ++fails;
    if (ratio > worst_ratio) {
      worst_ratio = ratio;
      worst = k;
    }
    if (err > max_err) {
      max_err = err;
      max_err_at = k;
    }
  }
  auto where = [&](size_t k) {
    std::ostringstream s;
    const size_t i = k % spec.inner, kk = k / spec.inner % spec.n, o = k / spec.inner / spec.n;
    s << "index " << k << " (o=" << o << ", k=" << kk << ", i=" << i << ")";
    return s.str();
  };
  if (max_err_at != SIZE_MAX)
    max_errors().note(spec.op, max_err, spec.context + ", " + where(max_err_at));
  else
    max_errors().note(spec.op, 0, spec.context);
  if (split) {
    for (size_t li = 0; li < line_err.size(); ++li)
      if (line_at[li] != SIZE_MAX)  // a range no output of this call fell in is not noted
        max_errors().note(spec.op + " " + spec.quantity + " " + contract.range(li), line_err[li],
                          spec.context + ", " + where(line_at[li]));
  }
  if (fails == 0) return ::testing::AssertionSuccess();
  std::ostringstream msg;
  msg << spec.op << " [" << smw::kernel_variant() << "] " << spec.context << ": " << fails << " of "
      << ref.size() << " components out of tolerance " << spec.tol << "; worst at " << where(worst)
      << ": got " << show(got[worst]) << ", ref " << show_ld(ref[worst]);
  if (spec.measure == Measure::kScaled)
    msg << ", scale " << show_ld((*spec.scale)[worst]) << ", |err| / (tol * scale + allowance) "
        << worst_ratio;
  else
    msg << ", error / tol " << worst_ratio;
  return ::testing::AssertionFailure() << msg.str();
}

// Number of failures the running test has recorded so far. Sweeps stop at
// the first failing case of each op (one report is enough, thousands are
// noise) but go on with the next op.
inline int failures_so_far() {
  return ::testing::UnitTest::GetInstance()->current_test_info()->result()->total_part_count();
}

// Bitwise equality (in-place vs out-of-place); NaNs must match as NaNs.
template <class T>
::testing::AssertionResult same_bits(const T* a, const T* b, size_t count, const std::string& ctx) {
  for (size_t k = 0; k < count; ++k) {
    if (std::memcmp(a + k, b + k, sizeof(T)) != 0 && !(std::isnan(a[k]) && std::isnan(b[k])))
      return ::testing::AssertionFailure()
             << ctx << ": in-place result differs at index " << k << ": " << show(a[k])
             << " vs out-of-place " << show(b[k]);
  }
  return ::testing::AssertionSuccess();
}

// ---- buffers ----------------------------------------------------------------

// An array of `count` elements that starts `offset` elements into its
// allocation (so kernels also see pointers that are not 16-byte aligned).
// The elements before it hold a sentinel that must survive; past the end the
// allocation stops exactly, so AddressSanitizer catches any overrun.
template <class T>
class Buffer {
 public:
  Buffer(size_t count, size_t offset, T fill) : mem_(count + offset, fill), offset_(offset) {
    for (size_t k = 0; k < offset; ++k) mem_[k] = sentinel();
  }
  Buffer(const std::vector<T>& v, size_t offset) : Buffer(v.size(), offset, T(0)) {
    std::copy(v.begin(), v.end(), data());
  }
  T* data() { return mem_.data() + offset_; }
  size_t size() const { return mem_.size() - offset_; }
  bool guard_intact() const {
    for (size_t k = 0; k < offset_; ++k)
      if (std::memcmp(&mem_[k], &sentinel_ref(), sizeof(T)) != 0) return false;
    return true;
  }
  static T sentinel() { return T(-12345.6789); }

 private:
  static const T& sentinel_ref() {
    static const T s = sentinel();
    return s;
  }
  std::vector<T> mem_;
  size_t offset_;
};

// ---- test data --------------------------------------------------------------

// Fibre lengths and inner sizes at and around the vector widths (4 float32
// lanes, 2 float64 lanes, 2 accumulators, kSumBlock = 128).
inline const std::vector<size_t>& sizes() {
  static const std::vector<size_t> s = {1,  2,  3,  4,  5,  6,  7,  8,   9,   15,  16,
                                        17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 1000};
  return s;
}

inline const std::vector<double>& temperatures() {
  static const std::vector<double> t = {0.1, 0.5, 1.0, 3.0, 10.0};
  return t;
}

inline const std::vector<double>& logit_scales() {
  static const std::vector<double> s = {1.0, 10.0, 100.0};
  return s;
}

// Uniform logits in [-scale, scale], rounded to T.
template <class T>
std::vector<T> random_logits(size_t count, double scale, std::mt19937& rng) {
  std::uniform_real_distribution<double> u(-scale, scale);
  std::vector<T> x(count);
  for (T& v : x) v = T(u(rng));
  return x;
}

inline std::string context(size_t outer, size_t n, size_t inner, double t, double scale,
                           uint32_t seed) {
  std::ostringstream s;
  s << "(outer=" << outer << ", n=" << n << ", inner=" << inner << ") T=" << t << " scale=" << scale
    << " seed=" << seed;
  return s.str();
}

// The Debug + sanitizer build runs the kernels unoptimised (every SIMDe
// intrinsic is a call at -O0, under ASan), some 20x slower. It sweeps the
// same fibre lengths and inner sizes, but leaves out the big n x inner cross
// products and the repeats of the 50257 row, to stay within about a minute.
#ifdef NDEBUG
constexpr bool kThorough = true;
#else
constexpr bool kThorough = false;
#endif

// A geometry of the (outer, n, inner) view.
struct Geometry {
  size_t outer, n, inner;
};

// The geometries every op runs: each fibre length contiguous (inner == 1) and
// with every inner size, a 50257-long row (GPT-2's vocabulary) and a few
// with outer > 1. Tensors above kMaxElems are left out to keep the run short;
// the sanitizer build keeps every pair with n <= 9 or inner <= 9 (all vector
// tails) and otherwise stops at 2048 elements.
inline std::vector<Geometry> geometries() {
  constexpr size_t kMaxElems = 20000;
  std::vector<Geometry> g;
  for (size_t n : sizes())
    for (size_t inner : sizes())
      if (n * inner <= kMaxElems && (kThorough || n * inner <= 2048 || std::min(n, inner) <= 9))
        g.push_back({1 + (n + inner) % 2, n, inner});
  g.push_back({1, 50257, 1});
  g.push_back({3, 1000, 1});
  g.push_back({2, 1000, 7});
  g.push_back({2, 33, 129});
  return g;
}

}  // namespace smw_test
