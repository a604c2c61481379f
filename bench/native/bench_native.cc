// bench_native.cc — the native limit for bench/run.mjs: the very kernel
// sources the wasm module ships (cpp/), compiled natively, timed with Google
// Benchmark on the same ops and shapes.
//
//   bench-native --ops=softmax,crossEntropy --shapes=1x50257,256x1000x8@1
//                [--iterations=N | --min_time_s=S] [--check] [Google Benchmark flags]
//
// Shapes are ROWSxCLASSES[xINNER][@AXIS] (row-major; the op runs along AXIS,
// default the last). The harness passes its own shape list, so the two
// programs never disagree about what a shape is. --iterations=N runs exactly
// N iterations (one sample of the harness's interleaved rounds); --check
// prints, instead of timing, a JSON checksum of every op's output on the
// harness's deterministic inputs (xorshift32, below), which run.mjs compares
// with the wasm module's result before it times anything.
//
// Ops, as the wasm API calls them (separate input and output buffers):
//   softmax, logSoftmax: smw::softmax<float> / smw::log_softmax<float>, T = 1
//   logSumExp:           smw::log_sum_exp<float>, outer * inner results
//   softmaxBackward:     smw::softmax_backward<float>(dy, y = softmax(x), dx)
//   logSoftmaxBackward:  smw::log_softmax_backward<float>(dy, ly = logSoftmax(x), dx)
//   softmaxJacobian, logSoftmaxJacobian: smw::(log_)softmax_jacobian<float> of
//                        x as one vector (shapes 1xN), an N x N result
//   crossEntropy:        smw::cross_entropy<float>, class-index targets,
//                        mean, loss and gradient
//   nllLoss:             smw::nll_loss<float> of ly, the same targets
#include <benchmark/benchmark.h>

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "softmax.h"

namespace {

// ---- inputs, bit for bit the same as bench/lib/data.mjs ------------------------

struct XorShift32 {
  uint32_t s;
  uint32_t next() {
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    return s;
  }
  double uniform() { return next() / 4294967296.0; }
};

constexpr uint32_t kSeedX = 0x12345678u, kSeedDy = 0x9e3779b9u, kSeedTarget = 0x2545f491u;

std::vector<float> uniform_floats(size_t n, uint32_t seed, double lo, double hi) {
  XorShift32 g{seed};
  std::vector<float> v(n);
  for (auto& x : v) x = float(lo + (hi - lo) * g.uniform());
  return v;
}

struct Shape {
  std::string name;
  size_t outer = 1, n = 1, inner = 1;
  size_t size() const { return outer * n * inner; }
};

Shape parse_shape(const std::string& text) {
  Shape s{text};
  std::string dims = text;
  long axis = -1;
  if (auto at = text.find('@'); at != std::string::npos) {
    dims = text.substr(0, at);
    axis = std::stol(text.substr(at + 1));
  }
  std::vector<size_t> d;
  size_t pos = 0;
  while (pos <= dims.size()) {
    size_t x = dims.find('x', pos);
    if (x == std::string::npos) x = dims.size();
    d.push_back(std::stoul(dims.substr(pos, x - pos)));
    pos = x + 1;
  }
  if (axis < 0) axis += long(d.size());
  if (axis < 0 || size_t(axis) >= d.size()) throw std::invalid_argument("axis out of range in " + text);
  for (size_t i = 0; i < d.size(); ++i) {
    if (i < size_t(axis)) s.outer *= d[i];
    else if (i == size_t(axis)) s.n = d[i];
    else s.inner *= d[i];
  }
  return s;
}

// The inputs of one shape, made once and shared by every op on it.
struct Data {
  std::vector<float> x, dy, y, ly, out;
  std::vector<double> work;  // the Jacobians' n doubles
  std::vector<int32_t> target;
  double loss = 0;
};

bool is_jacobian(const std::string& op) { return op == "softmaxJacobian" || op == "logSoftmaxJacobian"; }

// The length of an op's result on a shape.
size_t out_length(const std::string& op, const Shape& s) {
  if (op == "logSumExp") return s.outer * s.inner;
  if (is_jacobian(op)) return s.size() * s.size();
  return s.size();
}

Data& data_for(const Shape& s) {
  static std::map<std::string, std::unique_ptr<Data>> cache;
  auto& d = cache[s.name];
  if (!d) {
    d = std::make_unique<Data>();
    d->x = uniform_floats(s.size(), kSeedX, -8.0, 8.0);
    d->dy = uniform_floats(s.size(), kSeedDy, -1.0, 1.0);
    d->y.resize(s.size());
    d->ly.resize(s.size());
    d->work.resize(s.size());
    smw::softmax<float>(d->x.data(), d->y.data(), s.outer, s.n, s.inner, 1.0);
    smw::log_softmax<float>(d->x.data(), d->ly.data(), s.outer, s.n, s.inner, 1.0);
    XorShift32 g{kSeedTarget};
    d->target.resize(s.outer * s.inner);
    for (auto& t : d->target) t = int32_t(g.next() % s.n);
  }
  return *d;
}

// The output buffer of an op, sized before any timing.
void prepare_out(const std::string& op, const Shape& s, Data& d) {
  if (d.out.size() < out_length(op, s)) d.out.resize(out_length(op, s));
}

// One call of an op (its output buffer prepared); returns its status.
smw::Status run_op(const std::string& op, const Shape& s, Data& d) {
  if (op == "softmax") return smw::softmax<float>(d.x.data(), d.out.data(), s.outer, s.n, s.inner, 1.0);
  if (op == "logSoftmax") return smw::log_softmax<float>(d.x.data(), d.out.data(), s.outer, s.n, s.inner, 1.0);
  if (op == "logSumExp") return smw::log_sum_exp<float>(d.x.data(), d.out.data(), s.outer, s.n, s.inner);
  if (op == "softmaxBackward") {
    return smw::softmax_backward<float>(d.dy.data(), d.y.data(), d.out.data(), s.outer, s.n, s.inner, 1.0);
  }
  if (op == "logSoftmaxBackward") {
    return smw::log_softmax_backward<float>(d.dy.data(), d.ly.data(), d.out.data(), s.outer, s.n, s.inner, 1.0);
  }
  if (op == "softmaxJacobian") return smw::softmax_jacobian<float>(d.x.data(), d.out.data(), s.size(), 1.0, d.work.data());
  if (op == "logSoftmaxJacobian") {
    return smw::log_softmax_jacobian<float>(d.x.data(), d.out.data(), s.size(), 1.0, d.work.data());
  }
  if (op == "crossEntropy" || op == "nllLoss") {
    smw::LossArgs<float> a;
    a.input = op == "crossEntropy" ? d.x.data() : d.ly.data();
    a.target_index = d.target.data();
    a.outer = s.outer;
    a.classes = s.n;
    a.inner = s.inner;
    a.reduction = smw::kReduceMean;
    a.loss_total = &d.loss;
    a.grad = d.out.data();
    return op == "crossEntropy" ? smw::cross_entropy<float>(a) : smw::nll_loss<float>(a);
  }
  throw std::invalid_argument("unknown op " + op);
}

// The checksum bench/lib/data.mjs computes: sum of out[i] * w(i) with a
// fixed pseudo-random weight in [-0.5, 0.5), and the sum of |out[i] * w(i)|
// as its scale.
void print_checksums(const std::vector<std::string>& ops, const std::vector<Shape>& shapes) {
  std::printf("{\"variant\": \"%s\", \"benchmark_library\": \"%s\", \"checks\": [", smw::kernel_variant(),
              BENCHMARK_LIBRARY_VERSION);
  bool first = true;
  for (const auto& s : shapes) {
    for (const auto& op : ops) {
      Data& d = data_for(s);
      prepare_out(op, s, d);
      const smw::Status st = run_op(op, s, d);
      double sum = 0, scale = 0;
      for (size_t i = 0; i < out_length(op, s); ++i) {
        const double w = double(uint32_t(uint32_t(i) * 2654435761u) >> 22) / 1024.0 - 0.5;
        sum += double(d.out[i]) * w;
        scale += std::fabs(double(d.out[i]) * w);
      }
      std::printf("%s\n  {\"op\": \"%s\", \"shape\": \"%s\", \"status\": %d, \"sum\": %.17g, \"scale\": %.17g, \"loss\": %.17g}",
                  first ? "" : ",", op.c_str(), s.name.c_str(), int(st), sum, scale,
                  op == "crossEntropy" || op == "nllLoss" ? d.loss : 0.0);
      first = false;
    }
  }
  std::printf("\n]}\n");
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> parts;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t c = text.find(',', pos);
    if (c == std::string::npos) c = text.size();
    if (c > pos) parts.push_back(text.substr(pos, c - pos));
    pos = c + 1;
  }
  return parts;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> ops = {"softmax",         "logSoftmax",         "logSumExp",    "softmaxBackward",
                                  "logSoftmaxBackward", "softmaxJacobian", "logSoftmaxJacobian", "crossEntropy",
                                  "nllLoss"};
  std::vector<Shape> shapes;
  int64_t iterations = 0;
  double min_time = 0.05;
  bool check = false;
  // Our own flags first; the rest goes to Google Benchmark.
  std::vector<char*> rest = {argv[0]};
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char* flag) { return a.substr(std::strlen(flag)); };
    if (a.rfind("--ops=", 0) == 0) ops = split(value("--ops="));
    else if (a.rfind("--shapes=", 0) == 0) {
      for (const auto& t : split(value("--shapes="))) shapes.push_back(parse_shape(t));
    } else if (a.rfind("--iterations=", 0) == 0) iterations = std::stoll(value("--iterations="));
    else if (a.rfind("--min_time_s=", 0) == 0) min_time = std::stod(value("--min_time_s="));
    else if (a == "--check") check = true;
    else rest.push_back(argv[i]);
  }
  if (shapes.empty()) {
    std::fprintf(stderr, "bench-native: give --shapes=ROWSxCLASSES[xINNER][@AXIS],...\n");
    return 2;
  }
  if (check) {
    print_checksums(ops, shapes);
    return 0;
  }
  for (const auto& s : shapes) {
    for (const auto& op : ops) {
      auto* b = benchmark::RegisterBenchmark((op + "/" + s.name).c_str(), [op, s](benchmark::State& state) {
        Data& d = data_for(s);
        prepare_out(op, s, d);
        for (auto _ : state) {
          if (run_op(op, s, d) != smw::kOk) state.SkipWithError("kernel returned an error status");
          benchmark::DoNotOptimize(d.out.data());
          benchmark::ClobberMemory();
        }
        state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(out_length(op, s)));
      });
      b->UseRealTime()->Unit(benchmark::kNanosecond);
      if (iterations > 0) b->Iterations(iterations);
      else b->MinTime(min_time);
    }
  }
  int rest_argc = int(rest.size());
  benchmark::Initialize(&rest_argc, rest.data());
  if (benchmark::ReportUnrecognizedArguments(rest_argc, rest.data())) return 2;
  benchmark::AddCustomContext("kernel_variant", smw::kernel_variant());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
