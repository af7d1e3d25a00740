// trainkit triggers: "once", optionally again right after a resume.
//
//   OnceTrigger once(/*call_on_resume=*/true);
//   once(ctx);   // true; later calls false; true again on the first call after a state load
//
// Chainer's OnceTrigger. Only flag_first is saved; call_on_resume re-arms on every load, which is what
// Chainer gets by constructing the trigger anew in the resumed process.
#pragma once

#include "trigger/trigger.h"

namespace trainkit {

// Use for set-up work inside the loop (an initial evaluation, a first log line).
class OnceTrigger final : public Trigger {
 public:
  explicit OnceTrigger(bool call_on_resume = false)
      : call_on_resume_(call_on_resume), flag_resumed_(call_on_resume) {}

  bool operator()(const TriggerContext&) override {
    const bool fire = flag_first_ || flag_resumed_;
    flag_first_ = false;
    flag_resumed_ = false;
    return fire;
  }
  void visit(state::Visitor& v) override {
    v.value("flag_first", flag_first_);
    if (v.loading()) flag_resumed_ = call_on_resume_;
  }
  bool finished() const override { return !(flag_first_ || flag_resumed_); }
  std::string describe() const override { return call_on_resume_ ? "once (and on resume)" : "once"; }

 private:
  bool call_on_resume_;
  bool flag_first_ = true;
  bool flag_resumed_;
};

}  // namespace trainkit
