// The shift plugins (exponential, linear, step, multistep, polynomial, warmup, inverse, cosine), driven as the
// trainer drives them: initialize at iteration 0, then each iteration the value is read after the update and
// before the trigger (as Chainer's tests read it), and the extension is called when its interval fires.
// Expected values are those of Chainer's own tests (test_*_shift.py in its training extensions).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "shift_host.h"

using namespace tk_test;
using namespace tk_shift_test;

namespace {

// One instance on one host, with the counters the trainer would hand it.
struct Driver {
  ShiftHost& host;
  Instance& ext;
  int64_t interval = 1;
  std::string attr = "lr";
  size_t group = 0;
  TestContext ctx{};

  void initialize(bool restored = false) {
    ctx.state_restored = restored;
    ext.initialize(ctx);
    ctx.state_restored = false;
  }
  double value() const { return host.get(group, attr); }
  // Iterations ctx.iteration+1 .. last: the value each one trains with, calling the extension on its trigger.
  std::vector<double> run_to(int64_t last) {
    std::vector<double> seen;
    while (ctx.iteration < last) {
      ++ctx.iteration;
      seen.push_back(value());
      if (ctx.iteration % interval == 0) ext.call(ctx);
    }
    return seen;
  }
};

std::vector<double> repeat_each(const std::vector<double>& values, int64_t times) {
  std::vector<double> out;
  for (double v : values)
    for (int64_t i = 0; i < times; ++i) out.push_back(v);
  return out;
}

void check_values(const std::vector<double>& actual, const std::vector<double>& expected, bool exact) {
  REQUIRE(actual.size() == expected.size());
  for (size_t i = 0; i < actual.size(); ++i) {
    INFO("iteration " << i + 1);
    if (exact) CHECK(actual[i] == expected[i]);
    else CHECK(actual[i] == Approx(expected[i]).epsilon(1e-12).margin(1e-15));
  }
}

struct Case {
  const char* label;
  const char* cls;
  Options options;             // without init
  std::optional<double> init;  // given as the option, and separately as the optimizer's starting value
  int64_t interval;
  std::vector<double> per_call;  // the value during each trigger interval
  bool exact;                  // Chainer's test uses assertEqual (else assert_allclose)
};

const std::vector<Case>& chainer_cases() {
  using I = std::vector<int64_t>;
  using D = std::vector<double>;
  static const std::vector<Case> cases = {
      // 35: ExponentialShift, every 4 iterations.
      {"exponential rate .5", "exponential_shift", {{"rate", 0.5}}, 2.0, 4, {2.0, 1.0, 0.5}, true},
      {"exponential target 1.2", "exponential_shift", {{"rate", 0.5}, {"target", 1.2}}, 2.0, 4, {2.0, 1.2, 1.2}, true},
      {"exponential negative", "exponential_shift", {{"rate", 0.5}, {"target", -1.2}}, -2.0, 4, {-2.0, -1.2, -1.2}, true},
      {"exponential rate 2", "exponential_shift", {{"rate", 2.0}}, 2.0, 4, {2.0, 4.0, 8.0}, true},
      {"exponential rate 2 target 3", "exponential_shift", {{"rate", 2.0}, {"target", 3.0}}, 2.0, 4, {2.0, 3.0, 3.0}, true},
      {"exponential rate 2 negative", "exponential_shift", {{"rate", 2.0}, {"target", -3.0}}, -2.0, 4, {-2.0, -3.0, -3.0}, true},
      // 36: LinearShift((2, 6), (1, 3)), every 2 iterations -> 2,2,2,2,4,4,6,6,6,6.
      {"linear", "linear_shift", {{"value_range", D{2.0, 6.0}}, {"time_range", I{1, 3}}}, std::nullopt, 2,
       {2.0, 2.0, 4.0, 6.0, 6.0}, true},
      // 37: StepShift and MultistepShift, every iteration.
      {"step gamma .5", "step_shift", {{"gamma", 0.5}, {"step", int64_t{2}}}, 2.0, 1, {2, 2, 1, 1, .5, .5}, true},
      {"step target 1.2", "step_shift", {{"gamma", 0.5}, {"step", int64_t{2}}, {"target", 1.2}}, 2.0, 1,
       {2, 2, 1.2, 1.2, 1.2, 1.2}, true},
      {"step gamma 2", "step_shift", {{"gamma", 2.0}, {"step", int64_t{2}}}, 1.0, 1, {1, 1, 2, 2, 4, 4, 8, 8, 16, 16}, true},
      {"multistep gamma .1", "multistep_shift", {{"gamma", 0.1}, {"step_value", I{1, 3, 5}}}, 2.0, 1,
       {2.0, 0.2, 0.2, 0.02, 0.02, 0.002}, false},
      {"multistep negative", "multistep_shift", {{"gamma", 0.1}, {"step_value", I{1, 3, 5}}}, -2.0, 1,
       {-2.0, -0.2, -0.2, -0.02, -0.02, -0.002}, false},
      {"multistep gamma 2", "multistep_shift", {{"gamma", 2.0}, {"step_value", I{1, 3, 5}}}, 2.0, 1,
       {2.0, 4.0, 4.0, 8.0, 8.0, 16.0}, false},
      // 38: PolynomialShift and InverseShift, every 4 iterations.
      {"polynomial", "polynomial_shift", {{"rate", 0.5}, {"max_count", int64_t{10}}}, 2.0, 4,
       {2.0, 1.8973665961010275, 1.7888543819998317}, true},
      {"polynomial target 1.2", "polynomial_shift", {{"rate", 0.5}, {"max_count", int64_t{5}}, {"target", 1.2}}, 2.0, 4,
       {2.0, 1.7888543819998317, 1.5491933384829668}, true},
      {"polynomial negative", "polynomial_shift", {{"rate", 0.5}, {"max_count", int64_t{10}}}, -2.0, 4,
       {-2.0, -1.8973665961010275, -1.7888543819998317}, true},
      {"polynomial target 1.8", "polynomial_shift", {{"rate", 0.5}, {"max_count", int64_t{10}}, {"target", 1.8}}, 2.0, 4,
       {2.0, 1.8973665961010275, 1.8}, true},
      {"inverse", "inverse_shift", {{"gamma", 1.0}, {"power", 1.0}}, 3.0, 4, {3.0, 1.5, 1.0}, true},
      {"inverse target 1.8", "inverse_shift", {{"gamma", 1.0}, {"power", 1.0}, {"target", 1.8}}, 3.0, 4, {3.0, 1.8, 1.8}, true},
      {"inverse negative", "inverse_shift", {{"gamma", 1.0}, {"power", 1.0}, {"target", -1.8}}, -3.0, 4,
       {-3.0, -1.8, -1.8}, true},
      {"inverse power -2", "inverse_shift", {{"gamma", 1.0}, {"power", -2.0}}, 3.0, 4, {3.0, 12.0, 27.0}, true},
      {"inverse power -2 target 4", "inverse_shift", {{"gamma", 1.0}, {"power", -2.0}, {"target", 4.0}}, 3.0, 4,
       {3.0, 4.0, 4.0}, true},
      {"inverse power -2 negative", "inverse_shift", {{"gamma", 1.0}, {"power", -2.0}, {"target", -4.0}}, -3.0, 4,
       {-3.0, -4.0, -4.0}, true},
  };
  return cases;
}

// Runs one case with init as an option (or none), the optimizer starting at optimizer_start.
std::vector<double> run_case(const Case& c, const Options& options, double optimizer_start, size_t iterations) {
  ShiftHost host;
  host.set_all("lr", optimizer_start);
  Plugin plugin(c.cls, host);
  Instance ext(plugin, host, c.cls, options);
  Driver d{host, ext, c.interval};
  d.initialize();
  return d.run_to(static_cast<int64_t>(iterations));
}

}  // namespace

TEST_CASE("shifts: Chainer's test cases, init given") {
  for (const Case& c : chainer_cases()) {
    DYNAMIC_SECTION(c.label) {
      Options options = c.options;
      if (c.init) options["init"] = *c.init;
      std::vector<double> expected = repeat_each(c.per_call, c.interval);
      check_values(run_case(c, options, 0.0, expected.size()), expected, c.exact);
    }
  }
}

TEST_CASE("shifts: Chainer's test cases, init taken from the optimizer") {
  for (const Case& c : chainer_cases()) {
    if (!c.init) continue;
    DYNAMIC_SECTION(c.label) {
      std::vector<double> expected = repeat_each(c.per_call, c.interval);
      check_values(run_case(c, c.options, *c.init, expected.size()), expected, c.exact);
    }
  }
}

TEST_CASE("warmup_shift: Chainer's test cases") {
  struct W {
    double init, start;
    int64_t iters;
    double at_1, at_last, after_1, after_2;  // iterations 1, warmup_iter, warmup_iter + 1, warmup_iter + 2
  };
  const std::vector<W> cases = {{1, 0.1, 100, 0.1, 0.991, 1, 1},
                                {0.1, 1, 10, 1, 0.19, 0.1, 0.1},
                                {1, -1, 10, -1, 0.8, 1, 1},
                                {1, -1, 2, -1, 0, 1, 1},
                                {0.1, 1, 2, 1, 0.55, 0.1, 0.1}};
  for (const W& w : cases) {
    DYNAMIC_SECTION("init " << w.init << " warmup_start " << w.start << " warmup_iter " << w.iters) {
      ShiftHost host;
      host.set_all("lr", 0.0);
      Plugin plugin("warmup_shift", host);
      Instance ext(plugin, host, "warmup_shift",
                   {{"warmup_start", w.start}, {"warmup_iter", w.iters}, {"init", w.init}});
      Driver d{host, ext, 1};
      d.initialize();
      std::vector<double> seen = d.run_to(w.iters + 2);
      CHECK(seen[0] == Approx(w.at_1));
      CHECK(seen[static_cast<size_t>(w.iters - 1)] == Approx(w.at_last).margin(1e-12));
      CHECK(seen[static_cast<size_t>(w.iters)] == w.after_1);  // init itself, not (iters * init) / iters
      CHECK(seen[static_cast<size_t>(w.iters + 1)] == w.after_2);
    }
  }
}

TEST_CASE("cosine_shift: half-cosine annealing from init to end") {
  const double pi = std::acos(-1.0);
  auto cosine = [&](double init, double end, double t, double period) {
    return end + (init - end) * (1 + std::cos(pi * t / period)) / 2;
  };
  SECTION("stays at end after period") {
    ShiftHost host;
    host.set_all("lr", 1.0);  // init from the optimizer
    Plugin plugin("cosine_shift", host);
    Instance ext(plugin, host, "cosine_shift", {{"period", int64_t{4}}});
    Driver d{host, ext, 1};
    d.initialize();
    check_values(d.run_to(7), {1.0, cosine(1, 0, 1, 4), 0.5, cosine(1, 0, 3, 4), 0.0, 0.0, 0.0}, false);
    CHECK(cosine(1, 0, 1, 4) == Approx(0.8535533905932737));
  }
  SECTION("cycle starts again from init") {
    ShiftHost host;
    Plugin plugin("cosine_shift", host);
    Instance ext(plugin, host, "cosine_shift", {{"period", int64_t{4}}, {"init", 1.0}, {"cycle", true}});
    Driver d{host, ext, 1};
    d.initialize();
    std::vector<double> seen = d.run_to(9);
    check_values(seen, {1.0, cosine(1, 0, 1, 4), 0.5, cosine(1, 0, 3, 4), 1.0, cosine(1, 0, 1, 4), 0.5, cosine(1, 0, 3, 4), 1.0},
                 false);
    CHECK(seen[4] == 1.0);  // exactly init at each restart
  }
  SECTION("end and a trigger interval") {
    ShiftHost host;
    Plugin plugin("cosine_shift", host);
    Instance ext(plugin, host, "cosine_shift", {{"period", int64_t{2}}, {"init", 0.5}, {"end", 0.1}});
    Driver d{host, ext, 2};
    d.initialize();
    check_values(d.run_to(8), {0.5, 0.5, 0.3, 0.3, 0.1, 0.1, 0.1, 0.1}, false);
  }
}

TEST_CASE("shifts: attr shifts another hyperparameter and leaves lr alone") {
  ShiftHost host({{{"lr", 0.1}, {"momentum", 0.9}}});
  Plugin plugin("exponential_shift", host);
  Instance ext(plugin, host, "exponential_shift", {{"attr", std::string("momentum")}, {"rate", 0.5}});
  Driver d{host, ext, 1, "momentum"};
  d.initialize();
  check_values(d.run_to(3), {0.9, 0.45, 0.225}, true);
  CHECK(host.get(0, "lr") == 0.1);

  Plugin linear("linear_shift", host);
  Instance ramp(linear, host, "linear_shift",
                {{"attr", std::string("momentum")}, {"value_range", std::vector<double>{0.5, 0.9}},
                 {"time_range", std::vector<int64_t>{0, 4}}});
  Driver r{host, ramp, 1, "momentum"};
  r.initialize();
  check_values(r.run_to(5), {0.5, 0.6, 0.7, 0.8, 0.9}, false);

  SECTION("an attr the optimizer does not have fails initialize") {
    Instance bad(plugin, host, "exponential_shift", {{"attr", std::string("beta1")}, {"rate", 0.5}});
    TestContext ctx;
    CHECK_THROWS_WITH(bad.initialize(ctx), Catch::Contains("no hyperparameter \"beta1\""));
  }
}

TEST_CASE("shifts: param_group selects one group, -1 every group") {
  ShiftHost host({{{"lr", 0.1}}, {{"lr", 0.01}}});
  Plugin plugin("exponential_shift", host);

  SECTION("one group, init from that group") {
    Instance ext(plugin, host, "exponential_shift", {{"rate", 0.5}, {"param_group", int64_t{1}}});
    Driver d{host, ext, 1, "lr", 1};
    d.initialize();
    check_values(d.run_to(3), {0.01, 0.005, 0.0025}, true);
    CHECK(host.get(0, "lr") == 0.1);
  }
  SECTION("every group, init given") {
    Instance ext(plugin, host, "exponential_shift", {{"rate", 0.5}, {"init", 1.0}});
    Driver d{host, ext, 1};
    d.initialize();
    d.run_to(2);
    CHECK(host.get(0, "lr") == 0.25);
    CHECK(host.get(1, "lr") == 0.25);
  }
  SECTION("every group, init from the optimizer when the groups agree") {
    host.set_all("lr", 0.2);
    Instance ext(plugin, host, "exponential_shift", {{"rate", 0.5}});
    Driver d{host, ext, 1};
    d.initialize();
    d.run_to(1);
    CHECK(host.get(0, "lr") == 0.1);
    CHECK(host.get(1, "lr") == 0.1);
  }
  SECTION("every group, init from the optimizer when the groups disagree: refused") {
    Instance ext(plugin, host, "exponential_shift", {{"rate", 0.5}});
    TestContext ctx;
    CHECK_THROWS_WITH(ext.initialize(ctx), Catch::Contains("different values of \"lr\"") && Catch::Contains("init"));
  }
  SECTION("a group that does not exist") {
    Instance ext(plugin, host, "exponential_shift", {{"rate", 0.5}, {"param_group", int64_t{2}}});
    TestContext ctx;
    CHECK_THROWS_WITH(ext.initialize(ctx), Catch::Contains("param_group 2") && Catch::Contains("2 parameter group"));
  }
}

TEST_CASE("shifts: options are checked at create, as Chainer checks them") {
  ShiftHost host;
  struct Bad {
    const char* cls;
    Options options;
    const char* message;
  };
  using I = std::vector<int64_t>;
  using D = std::vector<double>;
  const std::vector<Bad> bad = {
      {"exponential_shift", {{"rate", -1.0}}, "negative rate"},
      {"exponential_shift", {{"rate", 0.5}, {"target", 0.0}}, "target"},
      {"exponential_shift", {{"rate", 0.5}, {"param_group", int64_t{-2}}}, "param_group"},
      {"exponential_shift", {{"rate", 0.5}, {"attr", std::string("")}}, "attr"},
      {"exponential_shift", {}, "rate"},
      {"inverse_shift", {{"gamma", -1.0}, {"power", 1.0}}, "negative gamma"},
      {"step_shift", {{"gamma", 0.5}, {"step", int64_t{0}}}, "step must be >= 1"},
      {"step_shift", {{"gamma", -0.5}, {"step", int64_t{2}}}, "gamma"},
      {"multistep_shift", {{"gamma", 0.1}, {"step_value", I{3, 1}}}, "strictly increasing"},
      {"multistep_shift", {{"gamma", 0.1}, {"step_value", I{0, 1}}}, ">= 1"},
      {"polynomial_shift", {{"rate", 0.5}, {"max_count", int64_t{0}}}, "max_count"},
      {"warmup_shift", {{"warmup_start", 0.1}, {"warmup_iter", int64_t{0}}}, "warmup_iter"},
      {"linear_shift", {{"value_range", D{1, 2, 3}}, {"time_range", I{1, 3}}}, "value_range"},
      {"linear_shift", {{"value_range", D{1, 2}}, {"time_range", I{3, 1}}}, "time_range"},
      {"cosine_shift", {{"period", int64_t{0}}}, "period"},
  };
  for (const Bad& b : bad) {
    Plugin plugin(b.cls, host);
    auto [status, message] = Instance::try_create(plugin, host, b.cls, b.options);
    INFO(b.cls << ": " << message);
    CHECK(status == TK_ERR_INVALID);
    CHECK_THAT(message, Catch::Contains(b.message));
  }
}

TEST_CASE("shifts: a non-finite value fails the call instead of reaching the optimizer") {
  ShiftHost host;
  Plugin plugin("polynomial_shift", host);
  // 0^-1 once t reaches max_count: Chainer raises ZeroDivisionError there.
  Instance ext(plugin, host, "polynomial_shift", {{"rate", -1.0}, {"max_count", int64_t{2}}, {"init", 1.0}});
  Driver d{host, ext, 1};
  d.initialize();
  d.run_to(1);
  CHECK(host.get(0, "lr") == 2.0);
  CHECK_THROWS_WITH(d.run_to(2), Catch::Contains("computed inf"));
  CHECK(host.get(0, "lr") == 2.0);
}

// ---- state ------------------------------------------------------------------------------------------

namespace {

struct ResumeCase {
  const char* label;
  const char* cls;
  Options options;
  double optimizer_start;
};

const std::vector<ResumeCase>& resume_cases() {
  using I = std::vector<int64_t>;
  using D = std::vector<double>;
  static const std::vector<ResumeCase> cases = {
      {"exponential", "exponential_shift", {{"rate", 0.5}, {"init", 2.0}}, 0.0},
      {"exponential, init from the optimizer", "exponential_shift", {{"rate", 0.5}}, 2.0},
      {"linear", "linear_shift", {{"value_range", D{2, 6}}, {"time_range", I{1, 7}}}, 0.0},
      {"step", "step_shift", {{"gamma", 0.5}, {"step", int64_t{2}}, {"target", 0.3}}, 2.0},
      {"multistep", "multistep_shift", {{"gamma", 0.1}, {"step_value", I{1, 3, 5}}, {"init", 2.0}}, 0.0},
      {"polynomial", "polynomial_shift", {{"rate", 0.5}, {"max_count", int64_t{10}}}, 2.0},
      {"warmup", "warmup_shift", {{"warmup_start", 0.1}, {"warmup_iter", int64_t{4}}, {"init", 1.0}}, 0.0},
      {"warmup, init from the optimizer", "warmup_shift", {{"warmup_start", 0.1}, {"warmup_iter", int64_t{4}}}, 1.0},
      {"inverse", "inverse_shift", {{"gamma", 1.0}, {"power", 1.0}}, 3.0},
      {"cosine", "cosine_shift", {{"period", int64_t{6}}, {"end", 0.1}}, 1.0},
      {"cosine cycle", "cosine_shift", {{"period", int64_t{4}}, {"cycle", true}, {"init", 1.0}}, 0.0},
  };
  return cases;
}

}  // namespace

TEST_CASE("shifts: a resumed instance continues the uninterrupted sequence") {
  const int64_t last = 14;
  for (const ResumeCase& c : resume_cases()) {
    for (int64_t interval : std::vector<int64_t>{1, 3}) {
      // Uninterrupted.
      ShiftHost host;
      host.set_all("lr", c.optimizer_start);
      Plugin plugin(c.cls, host);
      std::vector<double> whole;
      {
        Instance ext(plugin, host, c.cls, c.options);
        Driver d{host, ext, interval};
        d.initialize();
        whole = d.run_to(last);
      }
      for (int64_t k : std::vector<int64_t>{interval, 2 * interval, 3 * interval + 1, 9}) {
        // For `restored_optimizer`: trainkit's snapshot restores the optimizer's hyperparameters (the value
        // the shift set last); a host that did not (Chainer) leaves the manifest's value. Both must resume.
        for (bool restored_optimizer : {true, false}) {
          DYNAMIC_SECTION(c.label << ", every " << interval << " it, saved at " << k
                                  << (restored_optimizer ? ", optimizer restored" : ", optimizer fresh")) {
            MemoryState state;
            double saved_lr = 0;
            {
              ShiftHost first;
              first.set_all("lr", c.optimizer_start);
              Instance ext(plugin, first, c.cls, c.options);
              Driver d{first, ext, interval};
              d.initialize();
              d.run_to(k);  // the snapshot is taken after the shift ran in iteration k
              ext.save(state);
              saved_lr = first.get(0, "lr");
            }
            CHECK(std::get<int64_t>(state.values.at("t")) == k / interval);
            CHECK(std::get<double>(state.values.at("last_value")) == saved_lr);

            ShiftHost second;
            second.set_all("lr", restored_optimizer ? saved_lr : c.optimizer_start);
            Instance ext(plugin, second, c.cls, c.options);
            ext.load(state, 1);
            Driver d{second, ext, interval};
            d.ctx.iteration = k;
            d.initialize(/*restored=*/true);
            CHECK(second.get(0, "lr") == whole[static_cast<size_t>(k)]);  // what iteration k + 1 trains with
            std::vector<double> rest = d.run_to(last);
            CHECK(rest == std::vector<double>(whole.begin() + k, whole.end()));
          }
        }
      }
    }
  }
}

TEST_CASE("shifts: state holds t, last_value and the resolved init") {
  ShiftHost host;
  host.set_all("lr", 2.0);
  Plugin plugin("exponential_shift", host);
  Instance ext(plugin, host, "exponential_shift", {{"rate", 0.5}});
  Driver d{host, ext, 1};
  d.initialize();
  d.run_to(3);
  MemoryState state;
  ext.save(state);
  CHECK(state.values.size() == 3);
  CHECK(std::get<int64_t>(state.values.at("t")) == 3);
  CHECK(std::get<double>(state.values.at("last_value")) == 0.25);
  CHECK(std::get<double>(state.values.at("init")) == 2.0);

  SECTION("an init given in the manifest wins over the saved one, as in Chainer") {
    Instance again(plugin, host, "exponential_shift", {{"rate", 0.5}, {"init", 8.0}});
    again.load(state, 1);
    Driver r{host, again, 1};
    r.ctx.iteration = 3;
    r.initialize(true);
    CHECK(host.get(0, "lr") == 0.25);  // the saved last value first
    CHECK(r.run_to(5) == std::vector<double>{0.25, 0.5});  // then 8 * 0.5^4
  }
  SECTION("a fresh instance starts from init") {
    Instance fresh(plugin, host, "exponential_shift", {{"rate", 0.5}, {"init", 2.0}});
    Driver r{host, fresh, 1};
    r.initialize(false);
    CHECK(host.get(0, "lr") == 2.0);
  }
  SECTION("a negative t is refused") {
    state.values["t"] = int64_t{-1};
    Instance bad(plugin, host, "exponential_shift", {{"rate", 0.5}});
    CHECK_THROWS_WITH(bad.load(state, 1), Catch::Contains("\"t\""));
  }
}

TEST_CASE("warmup_shift: a resume after the warmup lands on init (Chainer's resume bug, fixed)") {
  // Chainer's WarmupShift.initialize sets warmup_start, and its __call__ stops setting the value once t is
  // past warmup_iter: resumed after the warmup, Chainer trains at warmup_start for the rest of the run.
  ShiftHost host;
  host.set_all("lr", 1.0);
  Plugin plugin("warmup_shift", host);
  const Options options = {{"warmup_start", 0.1}, {"warmup_iter", int64_t{3}}};
  MemoryState state;
  {
    Instance ext(plugin, host, "warmup_shift", options);
    Driver d{host, ext, 1};
    d.initialize();
    check_values(d.run_to(5), {0.1, 0.4, 0.7, 1.0, 1.0}, false);
    ext.save(state);
  }
  for (double optimizer_at_resume : {1.0, 0.1, 0.5}) {
    DYNAMIC_SECTION("optimizer at " << optimizer_at_resume << " when resumed") {
      ShiftHost second;
      second.set_all("lr", optimizer_at_resume);
      Instance ext(plugin, second, "warmup_shift", options);
      ext.load(state, 1);
      Driver d{second, ext, 1};
      d.ctx.iteration = 5;
      d.initialize(true);
      CHECK(second.get(0, "lr") == 1.0);
      CHECK(d.run_to(8) == std::vector<double>{1.0, 1.0, 1.0});
    }
  }
  SECTION("resumed in the middle of the warmup it goes on warming up") {
    MemoryState mid;
    ShiftHost first;
    first.set_all("lr", 1.0);
    {
      Instance ext(plugin, first, "warmup_shift", options);
      Driver d{first, ext, 1};
      d.initialize();
      d.run_to(1);
      ext.save(mid);
    }
    ShiftHost second;
    second.set_all("lr", 0.4);
    Instance ext(plugin, second, "warmup_shift", options);
    ext.load(mid, 1);
    Driver d{second, ext, 1};
    d.ctx.iteration = 1;
    d.initialize(true);
    check_values(d.run_to(5), {0.4, 0.7, 1.0, 1.0}, false);
  }
}
