#include "trigger/best_value_trigger.h"

#include <stdexcept>

#include "core/error.h"

namespace trainkit {
namespace {

std::string observed_keys(const Observation* observation) {
  if (observation == nullptr || observation->size() == 0) return "none";
  std::string out;
  for (const auto& kv : observation->items()) out += (out.empty() ? "" : ", ") + kv.first;
  return out;
}

}  // namespace

BestValueTrigger::BestValueTrigger(std::string key, bool maximize, std::unique_ptr<Trigger> interval)
    : key_(std::move(key)), maximize_(maximize), interval_(std::move(interval)) {
  if (key_.empty()) throw std::invalid_argument("best-value trigger: the key is empty");
  if (!interval_) throw std::invalid_argument("best-value trigger: no check interval");
}

BestValueTrigger::BestValueTrigger(std::string key, bool maximize, const TriggerSpec& interval)
    : BestValueTrigger(std::move(key), maximize, make_trigger(interval)) {}

bool BestValueTrigger::operator()(const TriggerContext& ctx) {
  if (ctx.observation != nullptr)
    if (auto v = ctx.observation->find(key_)) summary_.add(key_, *v);

  if (!(*interval_)(ctx)) return false;

  const std::optional<double> value = summary_.mean(key_);
  TK_CHECK(value.has_value(), TrainingError, "trigger \"", describe(), "\": \"", key_,
           "\" was not reported since the previous check at iteration ", ctx.iteration,
           " (keys observed this iteration: ", observed_keys(ctx.observation), ")");
  summary_.reset();

  if (has_best_ && !(maximize_ ? *value > best_ : *value < best_)) return false;
  has_best_ = true;
  best_ = *value;
  return true;
}

void BestValueTrigger::visit(state::Visitor& v) {
  v.scope("interval_trigger", [&] { interval_->visit(v); });
  v.scope("summary", [&] { summary_.visit(v); });
  v.value("has_best_value", has_best_);
  v.value("best_value", best_);
}

std::string BestValueTrigger::describe() const {
  return (maximize_ ? "max " : "min ") + key_ + " every " + interval_->describe();
}

}  // namespace trainkit
