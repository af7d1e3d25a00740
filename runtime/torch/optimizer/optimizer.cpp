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

#include "catalogue/optimizers.h"
#include "core/error.h"
#include "core/name_list.h"
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
const std::vector<Knob>& adam_knobs() {
  static const std::vector<Knob> knobs{TK_KNOB(Options, lr),  beta_knob<Options, 0>("beta1"),
                                       beta_knob<Options, 1>("beta2"), TK_KNOB(Options, eps),
                                       TK_KNOB(Options, weight_decay), TK_KNOB(Options, amsgrad)};
  return knobs;
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

// Snapshots hold CPU tensors; the state lives where its parameter does (Note [Tensors cross devices at
// the edges], torch/device.h).
at::Tensor load_like(state::Visitor& v, const std::string& key, const at::Tensor& p, const std::string& what) {
  const at::Tensor t = dl::load_tensor(v, key, p.scalar_type(), p.sizes(), what + " " + key);
  return t.defined() ? t.to(p.device()) : t;
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

// Each optimizer the catalogue names, built from the effective config (catalogue::with_defaults).
std::unique_ptr<torch::optim::Optimizer> build_sgd(const std::vector<at::Tensor>& params, const OptimizerConfig& c) {
  return std::make_unique<torch::optim::SGD>(params, torch::optim::SGDOptions(c.lr)
                                                         .momentum(c.momentum)
                                                         .dampening(c.dampening)
                                                         .nesterov(c.nesterov)
                                                         .weight_decay(c.weight_decay));
}

// Adam and AdamW take the same options in two unrelated classes.
template <class Impl, class Options>
std::unique_ptr<torch::optim::Optimizer> build_adam(const std::vector<at::Tensor>& params, const OptimizerConfig& c) {
  return std::make_unique<Impl>(
      params, Options(c.lr).betas({c.beta1, c.beta2}).eps(c.eps).weight_decay(c.weight_decay).amsgrad(c.amsgrad));
}

std::unique_ptr<torch::optim::Optimizer> build_rmsprop(const std::vector<at::Tensor>& params, const OptimizerConfig& c) {
  return std::make_unique<torch::optim::RMSprop>(params, torch::optim::RMSpropOptions(c.lr)
                                                             .alpha(c.alpha)
                                                             .eps(c.eps)
                                                             .weight_decay(c.weight_decay)
                                                             .momentum(c.momentum)
                                                             .centered(c.centered));
}

std::unique_ptr<torch::optim::Optimizer> build_adagrad(const std::vector<at::Tensor>& params, const OptimizerConfig& c) {
  return std::make_unique<torch::optim::Adagrad>(params, torch::optim::AdagradOptions(c.lr)
                                                             .lr_decay(c.lr_decay)
                                                             .weight_decay(c.weight_decay)
                                                             .initial_accumulator_value(c.initial_accumulator_value)
                                                             .eps(c.eps));
}

// "0.5", or "[0.9, 1]" for a pair.
std::string shown(const std::vector<double>& values) {
  if (values.size() == 1) return str_cat(values[0]);
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) out += str_cat(i ? ", " : "", values[i]);
  return out + "]";
}

// The manifest has checked these already; a config built in code (tests) gets the same bounds from the
// catalogue, with a message instead of LibTorch's backtrace.
void check_config(const OptimizerConfig& effective) {
  const std::string at = place(effective.pos);
  for (const catalogue::OptimizerKey* key : catalogue::find_optimizer(effective.name)->keys) {
    if (key->type == catalogue::OptimizerKey::Type::kFlag) continue;
    const std::vector<double> values = catalogue::key_values(effective, *key);
    const bool ok = std::all_of(values.begin(), values.end(), [&](double v) { return key->range.admits(v); });
    TK_CHECK(ok, ConfigError, at, "optimizer.", key->name, " ", key->range.rule(), ", got ", shown(values));
  }
  if (const catalogue::OptimizerRule* rule = catalogue::broken_rule(effective))
    throw ConfigError(str_cat(at, "optimizer.", rule->key, " ", rule->text));
}

}  // namespace

// One LibTorch optimizer: the catalogue says what it reads; its row here says how LibTorch builds it,
// which hyperparameters it exposes and how its per-parameter state is saved. An optimizer in the catalogue
// without a row here fails tests/unit/catalogue and, at run time, an internal assert.
struct OptimizerKind {
  std::string name;
  std::unique_ptr<torch::optim::Optimizer> (*build)(const std::vector<at::Tensor>& params,
                                                    const OptimizerConfig& effective);
  const std::vector<Knob>& (*knobs)();
  StateIo state_io;
  void (*fill_buffers)(torch::optim::Optimizer& impl);  // Note [Turning a feature on after the first step]
  bool state_from_constructor;  // LibTorch's Adagrad creates every parameter's state up front and requires it
};

namespace {

const OptimizerKind& kind_of(const std::string& name) {
  using namespace torch::optim;
  static const std::vector<OptimizerKind> kinds = {
      {"sgd", build_sgd, sgd_knobs, sgd_io(), nullptr, false},
      {"adam", build_adam<Adam, AdamOptions>, adam_knobs<AdamOptions>, adam_io<AdamParamState>(),
       fill_amsgrad_buffers<AdamOptions, AdamParamState>, false},
      {"adamw", build_adam<AdamW, AdamWOptions>, adam_knobs<AdamWOptions>, adam_io<AdamWParamState>(),
       fill_amsgrad_buffers<AdamWOptions, AdamWParamState>, false},
      {"rmsprop", build_rmsprop, rmsprop_knobs, rmsprop_io(), fill_rmsprop_buffers, false},
      {"adagrad", build_adagrad, adagrad_knobs, adagrad_io(), nullptr, true},
  };
  const auto it = std::find_if(kinds.begin(), kinds.end(), [&](const OptimizerKind& k) { return k.name == name; });
  TK_INTERNAL_ASSERT(it != kinds.end());
  return *it;
}

}  // namespace

Optimizer::Optimizer(const OptimizerConfig& config, const std::vector<at::Tensor>& parameters)
    : name_(config.name) {
  const std::vector<std::string> names = catalogue::optimizer_names();
  TK_CHECK(catalogue::find_optimizer(name_) != nullptr, ConfigError, place(config.pos), "optimizer.name \"", name_,
           "\" is not one of ", name_list(names), did_you_mean(name_, names));
  // A config built in code has no defaults applied yet; one the manifest loaded keeps its values.
  const OptimizerConfig effective = catalogue::with_defaults(config);
  check_config(effective);
  kind_ = &kind_of(name_);
  try {
    impl_ = kind_->build(parameters, effective);
  } catch (const c10::Error& e) {
    throw ConfigError(str_cat(place(config.pos), "optimizer ", name_, ": ", e.what_without_backtrace()));
  }
}

Optimizer::~Optimizer() = default;

size_t Optimizer::group_count() const { return impl_->param_groups().size(); }

const Knob* Optimizer::find(const std::string& key) const {
  for (const Knob& knob : kind_->knobs())
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
  if (kind_->fill_buffers) kind_->fill_buffers(*impl_);
  return true;
}

std::vector<std::string> Optimizer::hyperparameter_names() const {
  std::vector<std::string> names;
  for (const Knob& knob : kind_->knobs()) names.emplace_back(knob.name);
  return names;
}

std::string Optimizer::describe() const {
  std::ostringstream out;
  out << name_;
  const OptimizerOptions& options = impl_->param_groups().at(0).options();
  for (const Knob& knob : kind_->knobs()) {
    const double value = knob.get(options);
    if (std::string(knob.name) == "lr" || value != knob.torch_default) out << " " << knob.name << "=" << value;
  }
  return out.str();
}


// Note [Optimizer state in a snapshot]
void Optimizer::save_state(state::Visitor& v) const {
  std::string name = name_;
  v.value("name", name);
  {
    dl::Scope groups(v, "groups");
    for (size_t g = 0; g < group_count(); ++g) {
      dl::Scope group(v, std::to_string(g));
      const auto& param_group = impl_->param_groups()[g];
      for (const Knob& knob : kind_->knobs()) {
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
  const StateIo& io = kind_->state_io;
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
      for (const Knob& knob : kind_->knobs()) {
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
  const StateIo& io = kind_->state_io;
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
    } else if (!kind_->state_from_constructor) {
      impl_->state().erase(key);
    }
  }
  // Note [Turning a feature on after the first step]: a snapshot taken before amsgrad, centered or
  // momentum was switched on has no buffer for it.
  if (kind_->fill_buffers) kind_->fill_buffers(*impl_);
}

}  // namespace trainkit::optimizer
