// trainkit SDK: the host's services and the per-call context, as plain C++ values.
//
//   void call(tk::Context& ctx) override {
//     host().report("lr", host().optimizer().get(0, "lr"));
//     if (auto loss = ctx.summary().find("main/loss")) host().info("mean loss ", *loss);
//   }
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "../abi.h"
#include "error.hpp"

namespace tk {

// Use to read an observation or a summary of means; borrowed for one call.
class ScalarView {
 public:
  explicit ScalarView(const tk_scalar_view* raw = nullptr) : raw_(raw) {}
  bool valid() const { return raw_ != nullptr; }
  size_t size() const { return raw_ ? raw_->size(raw_) : 0; }
  std::string key(size_t i) const { return raw_->key(raw_, i); }
  double value(size_t i) const { return raw_->value(raw_, i); }
  std::optional<double> find(const std::string& key) const {
    double v = 0;
    if (!raw_ || raw_->find(raw_, key.c_str(), &v) != TK_OK) return std::nullopt;
    return v;
  }

 private:
  const tk_scalar_view* raw_;
};

// Use to learn where training stands in a call.
class Context {
 public:
  explicit Context(const tk_context* raw) : raw_(raw) {}
  int64_t iteration() const { return raw_->iteration; }
  int64_t epoch() const { return raw_->epoch; }
  double epoch_detail() const { return raw_->epoch_detail; }
  bool is_new_epoch() const { return raw_->is_new_epoch != 0; }
  bool state_restored() const { return raw_->state_restored != 0; }
  int64_t iterations_per_epoch() const { return raw_->iterations_per_epoch; }
  int64_t max_iteration() const { return raw_->max_iteration; }
  double elapsed_time() const { return raw_->elapsed_time; }
  std::string out_dir() const { return raw_->out_dir ? raw_->out_dir : ""; }
  std::string instance_name() const { return raw_->instance_name ? raw_->instance_name : ""; }
  ScalarView observation() const { return ScalarView(raw_->observation); }
  ScalarView summary() const { return ScalarView(raw_->summary); }
  int rank() const { return raw_->rank; }
  int world_size() const { return raw_->world_size; }
  const tk_context* raw() const { return raw_; }

 private:
  const tk_context* raw_;
};

// Use to reach what the host offers: logging, reporting, the optimizer, evaluation, the model.
class Host {
 public:
  explicit Host(const tk_host* raw = nullptr) : raw_(raw) {}
  const tk_host* raw() const { return raw_; }

  template <class Service>
  const Service* service(const char* id) const {
    auto* s = static_cast<const Service*>(raw_->get_service(raw_, id));
    return (s != nullptr && s->struct_size >= sizeof(uint32_t)) ? s : nullptr;
  }
  template <class Service>
  const Service& require(const char* id) const {
    auto* s = service<Service>(id);
    if (s == nullptr) throw Error(TK_ERR_INVALID, "this trainkit does not offer service ", id);
    return *s;
  }

  void log(int32_t level, const std::string& message) const {
    if (auto* s = service<tk_log_service>(TK_SERVICE_LOG)) s->log(raw_, level, message.c_str());
  }
  template <class... P> void info(const P&... p) const { log(TK_LOG_INFO, Error::concat(p...)); }
  template <class... P> void warn(const P&... p) const { log(TK_LOG_WARNING, Error::concat(p...)); }

  void report(const std::string& key, double value) const {
    detail::check(require<tk_observation_service>(TK_SERVICE_OBSERVATION).report(raw_, key.c_str(), value),
                  "report");
  }

  void evaluate(const std::string& split, const std::string& prefix) const {
    tk_error err{sizeof(tk_error), TK_OK, {0}};
    tk_status s = require<tk_evaluation_service>(TK_SERVICE_EVALUATION).evaluate(raw_, split.c_str(), prefix.c_str(), &err);
    if (s != TK_OK) throw Error(s, "evaluating split \"", split, "\": ", err.message);
  }

  // Use to read or shift optimizer hyperparameters ("lr", "momentum", "beta1", ...).
  class Optimizer {
   public:
    Optimizer(const tk_host* h, const tk_optimizer_service* s) : h_(h), s_(s) {}
    std::string name() const { return s_->name(h_); }
    size_t param_group_count() const { return s_->param_group_count(h_); }
    std::optional<double> find(size_t group, const std::string& attr) const {
      double v = 0;
      return s_->get_hyperparameter(h_, group, attr.c_str(), &v) == TK_OK ? std::optional<double>(v) : std::nullopt;
    }
    double get(size_t group, const std::string& attr) const {
      auto v = find(group, attr);
      if (!v) throw Error(TK_ERR_INVALID, "optimizer \"", name(), "\" has no hyperparameter \"", attr, "\"");
      return *v;
    }
    void set(size_t group, const std::string& attr, double value) const {
      if (s_->set_hyperparameter(h_, group, attr.c_str(), value) != TK_OK)
        throw Error(TK_ERR_INVALID, "optimizer \"", name(), "\" has no hyperparameter \"", attr, "\"");
    }
    void set_all(const std::string& attr, double value) const {
      for (size_t g = 0; g < param_group_count(); ++g) set(g, attr, value);
    }

   private:
    const tk_host* h_;
    const tk_optimizer_service* s_;
  };
  Optimizer optimizer() const { return Optimizer(raw_, &require<tk_optimizer_service>(TK_SERVICE_OPTIMIZER)); }

 private:
  const tk_host* raw_;
};

}  // namespace tk
