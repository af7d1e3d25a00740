#include "torch/optimizer/optimizer.h"

#include <torch/optim/adagrad.h>
#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <torch/optim/rmsprop.h>
#include <torch/optim/sgd.h>
#include <torch/types.h>

#include <algorithm>
#include <sstream>
#include <tuple>
#include <type_traits>

#include "core/error.h"
#include "core/spelling.h"
#include "torch/place.h"
#include "torch/tensor_state.h"

namespace trainkit::optimizer {
namespace {

using torch::optim::OptimizerOptions;

// A knob for a plain TORCH_ARG field of `Options`; the default is read from options built with lr 1.
#define TK_KNOB(Options, field)                                                                  \
  Knob {                                                                                         \
    #field,                                                                                      \
        [](const OptimizerOptions& o) {                                                          \
          return static_cast<double>(static_cast<const Options&>(o).field());                    \
        },                                                                                       \
        [](OptimizerOptions& o, double v) {                                                      \
          auto& options = static_cast<Options&>(o);                                              \
          options.field(static_cast<std::decay_t<decltype(options.field())>>(v));                \
        },                                                                                       \
        static_cast<double>(Options(1.0).field()),                                               \
        std::is_same<std::decay_t<decltype(Options(1.0).field())>, bool>::value                  \
  }

// Adam's betas are one tuple in LibTorch; schedules and logs want them one by one.
template <class Options, size_t I>
Knob beta_knob(const char* name) {
  return Knob{name,
              [](const OptimizerOptions& o) { return std::get<I>(static_cast<const Options&>(o).betas()); },
              [](OptimizerOptions& o, double v) {
                auto& options = static_cast<Options&>(o);
                auto betas = options.betas();
                std::get<I>(betas) = v;
                options.betas(betas);
              },
              std::get<I>(Options(1.0).betas()), false};
}

template <class Options>
std::vector<Knob> adam_knobs() {
  return {TK_KNOB(Options, lr),           beta_knob<Options, 0>("beta1"), beta_knob<Options, 1>("beta2"),
          TK_KNOB(Options, eps),          TK_KNOB(Options, weight_decay), TK_KNOB(Options, amsgrad)};
}

const std::vector<Knob>& sgd_knobs() {
  using O = torch::optim::SGDOptions;
  static const std::vector<Knob> knobs{TK_KNOB(O, lr), TK_KNOB(O, momentum), TK_KNOB(O, dampening),
                                       TK_KNOB(O, weight_decay), TK_KNOB(O, nesterov)};
  return knobs;
}

const std::vector<Knob>& rmsprop_knobs() {
  using O = torch::optim::RMSpropOptions;
  static const std::vector<Knob> knobs{TK_KNOB(O, lr),       TK_KNOB(O, alpha),    TK_KNOB(O, eps),
                                       TK_KNOB(O, weight_decay), TK_KNOB(O, momentum), TK_KNOB(O, centered)};
  return knobs;
}

const std::vector<Knob>& adagrad_knobs() {
  using O = torch::optim::AdagradOptions;
  static const std::vector<Knob> knobs{TK_KNOB(O, lr), TK_KNOB(O, lr_decay), TK_KNOB(O, weight_decay),
                                       TK_KNOB(O, initial_accumulator_value), TK_KNOB(O, eps)};
  return knobs;
}

#undef TK_KNOB

// Note [Turning a feature on after the first step]
// LibTorch, like PyTorch, allocates amsgrad's max_exp_avg_sq and RMSprop's momentum_buffer and grad_avg
// only when the feature is on at a parameter's first step; a later step with the feature turned on then
// fails on an undefined tensor. A schedule may well raise RMSprop's momentum from 0 mid-run, so set()
// gives such parameters zero buffers: the feature starts then, with no history, as it would have at step 0.
std::string state_key(const at::Tensor& p) { return c10::guts::to_string(p.unsafeGetTensorImpl()); }

template <class Options, class ParamState>
void fill_amsgrad_buffers(torch::optim::Optimizer& impl) {
  for (auto& group : impl.param_groups()) {
    if (!static_cast<const Options&>(group.options()).amsgrad()) continue;
    for (const auto& p : group.params()) {
      auto it = impl.state().find(state_key(p));
      if (it == impl.state().end()) continue;  // not stepped yet: its first step allocates what it needs
      auto& state = static_cast<ParamState&>(*it->second);
      if (!state.max_exp_avg_sq().defined()) state.max_exp_avg_sq(torch::zeros_like(p, at::MemoryFormat::Preserve));
    }
  }
}

void fill_rmsprop_buffers(torch::optim::Optimizer& impl) {
  for (auto& group : impl.param_groups()) {
    const auto& options = static_cast<const torch::optim::RMSpropOptions&>(group.options());
    for (const auto& p : group.params()) {
      auto it = impl.state().find(state_key(p));
      if (it == impl.state().end()) continue;
      auto& state = static_cast<torch::optim::RMSpropParamState&>(*it->second);
      if (options.momentum() > 0 && !state.momentum_buffer().defined())
        state.momentum_buffer(torch::zeros_like(p, at::MemoryFormat::Preserve));
      if (options.centered() && !state.grad_avg().defined())
        state.grad_avg(torch::zeros_like(p, at::MemoryFormat::Preserve));
    }
  }
}

const std::vector<std::string> kNames{"sgd", "adam", "adamw", "rmsprop", "adagrad"};

// LibTorch checks most of these too, but with a C++ backtrace and no manifest position.
void check_config(const OptimizerConfig& c) {
  const std::string at = place(c.pos);
  TK_CHECK(c.lr >= 0, ConfigError, at, "optimizer.lr must be >= 0, got ", c.lr);
  TK_CHECK(c.weight_decay_given.value_or(c.weight_decay) >= 0, ConfigError, at,
           "optimizer.weight_decay must be >= 0, got ", c.weight_decay_given.value_or(c.weight_decay));
  TK_CHECK(c.eps_given.value_or(c.eps) >= 0, ConfigError, at, "optimizer.eps must be >= 0, got ",
           c.eps_given.value_or(c.eps));
  TK_CHECK(c.momentum >= 0, ConfigError, at, "optimizer.momentum must be >= 0, got ", c.momentum);
  TK_CHECK(c.beta1 >= 0 && c.beta1 < 1 && c.beta2 >= 0 && c.beta2 < 1, ConfigError, at,
           "optimizer.betas must be in [0, 1), got [", c.beta1, ", ", c.beta2, "]");
  TK_CHECK(c.alpha >= 0, ConfigError, at, "optimizer.alpha must be >= 0, got ", c.alpha);
  TK_CHECK(c.lr_decay >= 0, ConfigError, at, "optimizer.lr_decay must be >= 0, got ", c.lr_decay);
  TK_CHECK(c.initial_accumulator_value >= 0, ConfigError, at,
           "optimizer.initial_accumulator_value must be >= 0, got ", c.initial_accumulator_value);
  if (c.name == "sgd" && c.nesterov)
    TK_CHECK(c.momentum > 0 && c.dampening == 0, ConfigError, at,
             "optimizer.nesterov needs momentum > 0 and dampening = 0 (got momentum ", c.momentum,
             ", dampening ", c.dampening, ")");
}

}  // namespace

Optimizer::Optimizer(const OptimizerConfig& config, const std::vector<at::Tensor>& parameters)
    : name_(config.name) {
  TK_CHECK(std::find(kNames.begin(), kNames.end(), name_) != kNames.end(), ConfigError, place(config.pos),
           "optimizer.name \"", name_, "\" is not one of sgd, adam, adamw, rmsprop, adagrad",
           did_you_mean(name_, kNames));
  check_config(config);
  // The manifest keeps "given" apart from the value because two optimizers default differently from the
  // rest: adamw decays weights by 0.01 and adagrad's eps is 1e-10 unless the user says otherwise.
  const double weight_decay = config.weight_decay_given.value_or(name_ == "adamw" ? 0.01 : config.weight_decay);
  const double eps = config.eps_given.value_or(name_ == "adagrad" ? 1e-10 : config.eps);
  try {
    if (name_ == "sgd") {
      impl_ = std::make_unique<torch::optim::SGD>(parameters, torch::optim::SGDOptions(config.lr)
                                                                  .momentum(config.momentum)
                                                                  .dampening(config.dampening)
                                                                  .nesterov(config.nesterov)
                                                                  .weight_decay(weight_decay));
      knobs_ = &sgd_knobs();
    } else if (name_ == "adam") {
      impl_ = std::make_unique<torch::optim::Adam>(parameters, torch::optim::AdamOptions(config.lr)
                                                                   .betas({config.beta1, config.beta2})
                                                                   .eps(eps)
                                                                   .weight_decay(weight_decay)
                                                                   .amsgrad(config.amsgrad));
      static const std::vector<Knob> knobs = adam_knobs<torch::optim::AdamOptions>();
      knobs_ = &knobs;
    } else if (name_ == "adamw") {
      impl_ = std::make_unique<torch::optim::AdamW>(parameters, torch::optim::AdamWOptions(config.lr)
                                                                    .betas({config.beta1, config.beta2})
                                                                    .eps(eps)
                                                                    .weight_decay(weight_decay)
                                                                    .amsgrad(config.amsgrad));
      static const std::vector<Knob> knobs = adam_knobs<torch::optim::AdamWOptions>();
      knobs_ = &knobs;
    } else if (name_ == "rmsprop") {
      impl_ = std::make_unique<torch::optim::RMSprop>(parameters, torch::optim::RMSpropOptions(config.lr)
                                                                      .alpha(config.alpha)
                                                                      .eps(eps)
                                                                      .weight_decay(weight_decay)
                                                                      .momentum(config.momentum)
                                                                      .centered(config.centered));
      knobs_ = &rmsprop_knobs();
    } else {
      impl_ = std::make_unique<torch::optim::Adagrad>(parameters, torch::optim::AdagradOptions(config.lr)
                                                                      .lr_decay(config.lr_decay)
                                                                      .weight_decay(weight_decay)
                                                                      .initial_accumulator_value(
                                                                          config.initial_accumulator_value)
                                                                      .eps(eps));
      knobs_ = &adagrad_knobs();
    }
  } catch (const c10::Error& e) {
    throw ConfigError(str_cat(place(config.pos), "optimizer ", name_, ": ", e.what_without_backtrace()));
  }
}

Optimizer::~Optimizer() = default;

size_t Optimizer::group_count() const { return impl_->param_groups().size(); }

const Knob* Optimizer::find(const std::string& key) const {
  for (const Knob& knob : *knobs_)
    if (key == knob.name) return &knob;
  return nullptr;
}

std::optional<double> Optimizer::get(size_t group, const std::string& key) const {
  const Knob* knob = find(key);
  if (!knob || group >= group_count()) return std::nullopt;
  return knob->get(impl_->param_groups()[group].options());
}

bool Optimizer::set(size_t group, const std::string& key, double value) {
  const Knob* knob = find(key);
  if (!knob || group >= group_count()) return false;
  knob->set(impl_->param_groups()[group].options(), value);
  // Note [Turning a feature on after the first step]
  if (name_ == "adam") fill_amsgrad_buffers<torch::optim::AdamOptions, torch::optim::AdamParamState>(*impl_);
  if (name_ == "adamw") fill_amsgrad_buffers<torch::optim::AdamWOptions, torch::optim::AdamWParamState>(*impl_);
  if (name_ == "rmsprop") fill_rmsprop_buffers(*impl_);
  return true;
}

std::vector<std::string> Optimizer::hyperparameter_names() const {
  std::vector<std::string> names;
  for (const Knob& knob : *knobs_) names.emplace_back(knob.name);
  return names;
}

std::string Optimizer::describe() const {
  std::ostringstream out;
  out << name_;
  const OptimizerOptions& options = impl_->param_groups().at(0).options();
  for (const Knob& knob : *knobs_) {
    const double value = knob.get(options);
    if (std::string(knob.name) == "lr" || value != knob.torch_default) out << " " << knob.name << "=" << value;
  }
  return out.str();
}

namespace {

using torch::optim::OptimizerParamState;

std::vector<at::Tensor> all_params(const torch::optim::Optimizer& impl) {
  std::vector<at::Tensor> params;
  for (const auto& group : impl.param_groups())
    for (const auto& p : group.params()) params.push_back(p);
  return params;
}

// One optimizer kind's per-parameter state fields, to and from the visitor.
struct StateIo {
  void (*save)(state::Visitor& v, const OptimizerParamState& s);
  // Null when the parameter has no saved state; `p` is the parameter, `what` names it in errors.
  std::unique_ptr<OptimizerParamState> (*load)(state::Visitor& v, const at::Tensor& p, const std::string& what);
};

at::Tensor load_like(state::Visitor& v, const std::string& key, const at::Tensor& p, const std::string& what) {
  return dl::load_tensor(v, key, p.scalar_type(), p.sizes(), what + " " + key);
}

at::Tensor require_like(state::Visitor& v, const std::string& key, const at::Tensor& p, const std::string& what) {
  at::Tensor t = load_like(v, key, p, what);
  TK_CHECK(t.defined(), ResumeError, what, ": the snapshot has a step count but no ", key);
  return t;
}

StateIo sgd_io() {
  return {[](state::Visitor& v, const OptimizerParamState& s) {
            dl::save_tensor(v, "momentum_buffer", static_cast<const torch::optim::SGDParamState&>(s).momentum_buffer());
          },
          [](state::Visitor& v, const at::Tensor& p, const std::string& what) -> std::unique_ptr<OptimizerParamState> {
            at::Tensor buf = load_like(v, "momentum_buffer", p, what);
            if (!buf.defined()) return nullptr;
            auto s = std::make_unique<torch::optim::SGDParamState>();
            s->momentum_buffer(buf);
            return s;
          }};
}

// Adam and AdamW keep the same fields in two unrelated classes.
template <class ParamState>
StateIo adam_io() {
  return {[](state::Visitor& v, const OptimizerParamState& base) {
            const auto& s = static_cast<const ParamState&>(base);
            int64_t step = s.step();
            v.value("step", step);
            dl::save_tensor(v, "exp_avg", s.exp_avg());
            dl::save_tensor(v, "exp_avg_sq", s.exp_avg_sq());
            dl::save_tensor(v, "max_exp_avg_sq", s.max_exp_avg_sq());
          },
          [](state::Visitor& v, const at::Tensor& p, const std::string& what) -> std::unique_ptr<OptimizerParamState> {
            int64_t step = 0;
            if (!v.value("step", step)) return nullptr;
            auto s = std::make_unique<ParamState>();
            s->step(step);
            s->exp_avg(require_like(v, "exp_avg", p, what));
            s->exp_avg_sq(require_like(v, "exp_avg_sq", p, what));
            s->max_exp_avg_sq(load_like(v, "max_exp_avg_sq", p, what));
            return s;
          }};
}

StateIo rmsprop_io() {
  using State = torch::optim::RMSpropParamState;
  return {[](state::Visitor& v, const OptimizerParamState& base) {
            const auto& s = static_cast<const State&>(base);
            int64_t step = s.step();
            v.value("step", step);
            dl::save_tensor(v, "square_avg", s.square_avg());
            dl::save_tensor(v, "momentum_buffer", s.momentum_buffer());
            dl::save_tensor(v, "grad_avg", s.grad_avg());
          },
          [](state::Visitor& v, const at::Tensor& p, const std::string& what) -> std::unique_ptr<OptimizerParamState> {
            int64_t step = 0;
            if (!v.value("step", step)) return nullptr;
            auto s = std::make_unique<State>();
            s->step(step);
            s->square_avg(require_like(v, "square_avg", p, what));
            s->momentum_buffer(load_like(v, "momentum_buffer", p, what));
            s->grad_avg(load_like(v, "grad_avg", p, what));
            return s;
          }};
}

StateIo adagrad_io() {
  using State = torch::optim::AdagradParamState;
  return {[](state::Visitor& v, const OptimizerParamState& base) {
            const auto& s = static_cast<const State&>(base);
            int64_t step = s.step();
            v.value("step", step);
            dl::save_tensor(v, "sum", s.sum());
          },
          [](state::Visitor& v, const at::Tensor& p, const std::string& what) -> std::unique_ptr<OptimizerParamState> {
            int64_t step = 0;
            if (!v.value("step", step)) return nullptr;
            auto s = std::make_unique<State>();
            s->step(step);
            s->sum(require_like(v, "sum", p, what));
            return s;
          }};
}

StateIo state_io(const std::string& name) {
  if (name == "sgd") return sgd_io();
  if (name == "adam") return adam_io<torch::optim::AdamParamState>();
  if (name == "adamw") return adam_io<torch::optim::AdamWParamState>();
  if (name == "rmsprop") return rmsprop_io();
  TK_INTERNAL_ASSERT(name == "adagrad");
  return adagrad_io();
}

}  // namespace

// Note [Optimizer state in a snapshot]
void Optimizer::save_state(state::Visitor& v) const {
  std::string name = name_;
  v.value("name", name);
  {
    dl::Scope groups(v, "groups");
    for (size_t g = 0; g < group_count(); ++g) {
      dl::Scope group(v, std::to_string(g));
      const auto& param_group = impl_->param_groups()[g];
      for (const Knob& knob : *knobs_) {
        const double value = knob.get(param_group.options());
        if (knob.is_bool) {
          bool on = value != 0;
          v.value(knob.name, on);
        } else {
          double copy = value;
          v.value(knob.name, copy);
        }
      }
      int64_t count = static_cast<int64_t>(param_group.params().size());
      v.value("param_count", count);
    }
  }
  const StateIo io = state_io(name_);
  const std::vector<at::Tensor> params = all_params(*impl_);
  dl::Scope states(v, "state");
  for (size_t i = 0; i < params.size(); ++i) {
    auto it = impl_->state().find(state_key(params[i]));
    if (it == impl_->state().end() || !it->second) continue;
    dl::Scope param(v, std::to_string(i));
    io.save(v, *it->second);
  }
}

LoadedState Optimizer::read_state(state::Visitor& v) const {
  std::string saved_name;
  if (v.value("name", saved_name))
    TK_CHECK(saved_name == name_, ResumeError, "snapshot was taken with ", saved_name, ", manifest says ", name_);
  LoadedState loaded;
  {
    dl::Scope groups(v, "groups");
    for (size_t g = 0; g < group_count(); ++g) {
      dl::Scope group(v, std::to_string(g));
      int64_t count = 0;
      const size_t have = impl_->param_groups()[g].params().size();
      if (v.value("param_count", count))
        TK_CHECK(count == static_cast<int64_t>(have), ResumeError, "optimizer parameter group ", g, ": the snapshot has ",
                 count, " parameters, the model has ", have);
      auto& knobs = loaded.groups.emplace_back();
      for (const Knob& knob : *knobs_) {
        if (knob.is_bool) {
          bool on = false;
          if (v.value(knob.name, on)) knobs.emplace_back(&knob, on ? 1.0 : 0.0);
        } else {
          double value = 0;
          if (v.value(knob.name, value)) knobs.emplace_back(&knob, value);
        }
      }
    }
  }
  const StateIo io = state_io(name_);
  const std::vector<at::Tensor> params = all_params(*impl_);
  dl::Scope states(v, "state");
  for (size_t i = 0; i < params.size(); ++i) {
    dl::Scope param(v, std::to_string(i));
    loaded.params.push_back(io.load(v, params[i], str_cat("optimizer state of parameter ", i)));
  }
  return loaded;
}

void Optimizer::apply_state(LoadedState loaded) {
  for (size_t g = 0; g < loaded.groups.size() && g < group_count(); ++g)
    for (const auto& [knob, value] : loaded.groups[g]) knob->set(impl_->param_groups()[g].options(), value);
  const std::vector<at::Tensor> params = all_params(*impl_);
  for (size_t i = 0; i < params.size() && i < loaded.params.size(); ++i) {
    const std::string key = state_key(params[i]);
    if (loaded.params[i]) {
      impl_->state()[key] = std::move(loaded.params[i]);
    } else if (name_ != "adagrad") {
      impl_->state().erase(key);
    }
  }
  // Note [Turning a feature on after the first step]: a snapshot taken before amsgrad, centered or
  // momentum was switched on has no buffer for it.
  if (name_ == "adam") fill_amsgrad_buffers<torch::optim::AdamOptions, torch::optim::AdamParamState>(*impl_);
  if (name_ == "adamw") fill_amsgrad_buffers<torch::optim::AdamWOptions, torch::optim::AdamWParamState>(*impl_);
  if (name_ == "rmsprop") fill_rmsprop_buffers(*impl_);
}

}  // namespace trainkit::optimizer
