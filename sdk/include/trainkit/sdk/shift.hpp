// trainkit SDK: a base class for extensions that set an optimizer hyperparameter to a value computed from t,
// the number of times the extension has been called (Chainer's ExponentialShift, LinearShift, StepShift ...).
//
//   class HalveShift final : public tk::Shift {
//    public:
//     static tk::ClassSpec spec() {
//       return tk::Shift::class_spec("halve_shift", "halves lr at every call", {tk::Shift::init_option()});
//     }
//     HalveShift(const tk::Config& cfg, const tk::Host& host) : Shift(cfg, host, Init::optional) {}
//    private:
//     double value_at(int64_t t) const override { return init() * std::pow(0.5, static_cast<double>(t)); }
//   };
//   TK_PLUGIN("org.example.halve_shift", "1.0.0", "halves the learning rate", HalveShift)
//
// The base does what every Chainer shift does, once:
//   - options `attr` (default "lr": the hyperparameter to set) and `param_group` (default -1: every group);
//     Chainer's default trigger "1 iteration" and priority READER;
//   - initialize: a restored instance sets the value it set last (Chainer's `_last_value`); a fresh one
//     resolves init (the option, or else the optimizer's current value) and sets initial_value();
//   - call: t += 1, then sets value_at(t) on every selected group and remembers it as the last value;
//   - state (state_version 1): "t", "last_value" and "init" (see Note [Why init is saved]).
// A value that is not finite fails the call instead of reaching the optimizer.
//
// Note [Why init is saved]: Chainer re-reads init from the optimizer at every initialize, which is right in
// Chainer because it never saves optimizer hyperparameters. trainkit's snapshot restores them, so after a
// resume the optimizer holds the *shifted* value; reading init from it would shift twice. The resolved init
// is therefore part of the state, and a resumed instance without an `init` option uses the saved one.
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "plugin.hpp"

namespace tk {

// Use as the base of an extension that sets one optimizer hyperparameter from its own call count.
class Shift : public Extension {
 public:
  // The class's spec: `attr` and `param_group`, then own_options; trigger, priority and state version as
  // every shift has them.
  static ClassSpec class_spec(const char* name, const char* description, std::vector<tk_option_decl> own_options) {
    std::vector<tk_option_decl> options = {
        option::string("attr", "lr", "optimizer hyperparameter to shift (\"lr\", \"momentum\", \"beta1\", ...)"),
        option::integer("param_group", "-1", "index of the parameter group to shift; -1 shifts every group")};
    options.insert(options.end(), own_options.begin(), own_options.end());
    return {name, description, "1 iteration", TK_PRIORITY_READER, 0, std::move(options), /*state_version=*/1};
  }
  // The optional `init` option that Init::optional reads.
  static tk_option_decl init_option(const char* doc = "initial value; default: the optimizer's value at the start") {
    return option::real("init", nullptr, doc);
  }
  // Chainer's optional `target`: the value where the shift stops.
  static tk_option_decl target_option() {
    return option::real("target", nullptr, "value at which the shift stops; default: none");
  }

  void initialize(Context& ctx) override {
    check_group();
    if (ctx.state_restored() && last_value_) {  // resuming: Chainer's `_last_value`
      apply(*last_value_);
      return;
    }
    resolve_init();
    apply(ctx.state_restored() && t_ > 0 ? value_at(t_) : initial_value());
  }

  void call(Context&) override {
    ++t_;
    apply(value_at(t_));
  }

  void visit(StateVisitor& v) override {
    v("t", t_);
    if (v.saving()) {
      if (last_value_) v("last_value", *last_value_);
      if (init_) v("init", *init_);
      return;
    }
    if (t_ < 0) throw Error(TK_ERR_INVALID, "state key \"t\" holds ", t_, ", expected >= 0");
    double x = 0;
    if (v("last_value", x)) last_value_ = x;
    if (v("init", x) && !init_option_) init_ = x;  // an init given in the manifest wins, as in Chainer
  }

 protected:
  enum class Init {
    none,      // the class has no `init` option (LinearShift)
    optional,  // `init` may be given; otherwise the optimizer's value when initialize runs
  };

  Shift(const Config& cfg, const Host& host, Init init)
      : Extension(host), attr_(cfg.get_string("attr")), group_(cfg.get_int("param_group")), uses_init_(init != Init::none) {
    if (attr_.empty()) throw Error(TK_ERR_INVALID, "attr must not be empty");
    if (group_ < -1) throw Error(TK_ERR_INVALID, "param_group must be >= -1 (-1: every group), got ", group_);
    if (uses_init_) init_option_ = cfg.find_float("init");
    if (init_option_ && !std::isfinite(*init_option_)) throw Error(TK_ERR_INVALID, "init must be finite, got ", *init_option_);
    init_ = init_option_;
  }

  // The value after t calls (t >= 1; also t = 0 for classes that return it from initial_value()).
  virtual double value_at(int64_t t) const = 0;
  // What a fresh initialize sets: init, unless the class starts elsewhere (LinearShift, WarmupShift).
  virtual double initial_value() const { return init(); }

  // The resolved initial value; valid from initialize on.
  double init() const {
    if (!init_) throw Error(TK_ERR_INTERNAL, "init read before initialize resolved it");
    return *init_;
  }
  int64_t t() const { return t_; }
  const std::string& attr() const { return attr_; }

  // Chainer's clamp for ExponentialShift, StepShift and InverseShift: once the value passes target in the
  // direction of travel it becomes target; the ratio form also works for negative values.
  static double stop_at_target(double value, const std::optional<double>& target, bool increasing) {
    if (!target) return value;
    double ratio = value / *target;
    return (increasing ? ratio > 1 : ratio < 1) ? *target : value;
  }
  // Rejects the one target the ratio cannot handle.
  static void check_target(const std::optional<double>& target) {
    if (target && (*target == 0 || !std::isfinite(*target)))
      throw Error(TK_ERR_INVALID, "target must be finite and non-zero (the shift compares value / target), got ", *target);
  }

 private:
  std::vector<size_t> groups() const {
    auto optimizer = host().optimizer();
    if (group_ >= 0) return {static_cast<size_t>(group_)};
    std::vector<size_t> all(optimizer.param_group_count());
    for (size_t g = 0; g < all.size(); ++g) all[g] = g;
    return all;
  }

  void check_group() const {
    auto optimizer = host().optimizer();
    size_t count = optimizer.param_group_count();
    if (group_ >= 0 && static_cast<size_t>(group_) >= count)
      throw Error(TK_ERR_INVALID, "param_group ", group_, " does not exist: optimizer \"", optimizer.name(), "\" has ",
                  count, " parameter group(s)");
  }

  // init is the option or the saved state when either exists; otherwise the optimizer's value. With several
  // groups those must agree, since a shift sets one value (one shift per param_group shifts groups apart).
  void resolve_init() {
    if (!uses_init_ || init_) return;
    auto optimizer = host().optimizer();
    std::optional<double> found;
    size_t found_group = 0;
    for (size_t g : groups()) {
      double v = optimizer.get(g, attr_);
      if (!found) {
        found = v;
        found_group = g;
      } else if (v != *found) {
        throw Error(TK_ERR_INVALID, "parameter groups hold different values of \"", attr_, "\" (", *found, " in group ",
                    found_group, ", ", v, " in group ", g, "): give init, or use one shift per param_group");
      }
    }
    if (!found) throw Error(TK_ERR_INVALID, "optimizer \"", optimizer.name(), "\" has no parameter group");
    init_ = found;
  }

  void apply(double value) {
    if (!std::isfinite(value))
      throw Error(TK_ERR_INVALID, "the shift of \"", attr_, "\" computed ", value, " after ", t_, " call(s)");
    auto optimizer = host().optimizer();
    for (size_t g : groups()) optimizer.set(g, attr_, value);
    last_value_ = value;
  }

  std::string attr_;
  int64_t group_;
  bool uses_init_;
  std::optional<double> init_option_;  // as the manifest gave it
  std::optional<double> init_;         // resolved: the option, the saved state or the optimizer
  int64_t t_ = 0;
  std::optional<double> last_value_;
};

}  // namespace tk
