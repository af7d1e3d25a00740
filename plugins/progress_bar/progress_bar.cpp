// progress_bar: Chainer's ProgressBar. Every update_interval iterations it shows how far training is, the
// speed over a recent window and the time left, on stdout.
//
// On a terminal it draws Chainer's block (total bar when the end is known, this epoch's bar, a status line,
// speed and ETA) and moves the cursor back to the block's first line, so the next draw -- or print_report's
// "\033[J" before a row -- replaces it. Anywhere else (CI logs, files, pipes) it prints one plain line per
// update instead, because cursor movement turns a log file into noise.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>

#include <trainkit/sdk.hpp>

namespace {

using Clock = std::chrono::steady_clock;

struct Sample {
  int64_t iteration;
  Clock::time_point time;
};

bool stdout_is_terminal() {
  const char* term = std::getenv("TERM");
  return ::isatty(STDOUT_FILENO) == 1 && !(term != nullptr && std::string(term) == "dumb");
}

// Python's str(timedelta) without the microseconds: "0:01:15", "2 days, 3:04:05".
std::string format_duration(double seconds) {
  auto total = static_cast<long long>(seconds);
  long long days = total / 86400, h = total % 86400 / 3600, m = total % 3600 / 60, s = total % 60;
  char buf[64];
  if (days > 0)
    std::snprintf(buf, sizeof buf, "%lld day%s, %lld:%02lld:%02lld", days, days == 1 ? "" : "s", h, m, s);
  else
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", h, m, s);
  return buf;
}

// Chainer's '{name} [{marks}{dots}] {rate:6.2%}'.
std::string bar_line(const char* name, double rate, int64_t length) {
  auto marks = static_cast<int64_t>(rate * static_cast<double>(length));
  std::string line = name;
  line += " [" + std::string(static_cast<size_t>(marks), '#') + std::string(static_cast<size_t>(length - marks), '.');
  char pct[32];
  std::snprintf(pct, sizeof pct, "] %5.2f%%\n", rate * 100.0);
  return line + pct;
}

class ProgressBar final : public tk::Extension {
 public:
  static tk::ClassSpec spec() {
    return {"progress_bar",
            "shows progress, iterations/sec and the estimated time left on stdout (Chainer's ProgressBar)",
            "1 iteration",
            TK_PRIORITY_READER,
            0,
            {tk::option::integer("update_interval", "100", "iterations between two updates"),
             tk::option::integer("bar_length", "50", "width of a bar in characters")}};
  }

  ProgressBar(const tk::Config& cfg, const tk::Host& host)
      : Extension(host), update_interval_(cfg.get_int("update_interval")), bar_length_(cfg.get_int("bar_length")),
        terminal_(stdout_is_terminal()) {
    if (update_interval_ < 1) throw tk::Error(TK_ERR_INVALID, "update_interval must be >= 1, got ", update_interval_);
    if (bar_length_ < 1 || bar_length_ > 1000)
      throw tk::Error(TK_ERR_INVALID, "bar_length must be in [1, 1000], got ", bar_length_);
  }

  // The first sample is the start (or the resume point), so the first update already has a speed.
  void initialize(tk::Context& ctx) override {
    samples_.push_back({ctx.iteration(), Clock::now()});
    last_update_ = ctx.iteration() / update_interval_;
  }

  void call(tk::Context& ctx) override {
    // Chainer draws when iteration % update_interval == 0; counting intervals crossed also works with a
    // trigger that skips iterations.
    int64_t interval = ctx.iteration() / update_interval_;
    if (interval == last_update_ || ctx.rank() != 0) return;
    last_update_ = interval;

    Sample now{ctx.iteration(), Clock::now()};
    if (samples_.empty()) samples_.push_back(now);
    double span = std::chrono::duration<double>(now.time - samples_.front().time).count();
    double speed = span > 0 ? static_cast<double>(now.iteration - samples_.front().iteration) / span : 0.0;
    samples_.push_back(now);
    if (samples_.size() > kWindow) samples_.pop_front();

    std::string text = terminal_ ? draw_block(ctx, speed) : plain_line(ctx, speed);
    std::fputs(text.c_str(), stdout);
    std::fflush(stdout);
  }

  // Chainer erases the block at the end, leaving the terminal as print_report's rows left it.
  void finalize(tk::Context&) override {
    if (!terminal_ || !drawn_) return;
    std::fputs("\033[J", stdout);
    std::fflush(stdout);
  }

 private:
  // The speed is measured over the last kWindow updates, as in Chainer (its 100 timings).
  static constexpr size_t kWindow = 100;

  static bool end_known(const tk::Context& ctx) { return ctx.max_iteration() > 0; }

  static double total_rate(const tk::Context& ctx) {
    return std::min(1.0, static_cast<double>(ctx.iteration()) / static_cast<double>(ctx.max_iteration()));
  }

  static std::string eta(const tk::Context& ctx, double speed) {
    if (!end_known(ctx) || speed <= 0) return "unknown";
    return format_duration(std::max(0.0, static_cast<double>(ctx.max_iteration() - ctx.iteration()) / speed));
  }

  // Chainer's "/ 20 epochs" when the end falls on an epoch boundary, else the iteration count.
  static std::string length_text(const tk::Context& ctx) {
    int64_t ipe = ctx.iterations_per_epoch(), max = ctx.max_iteration();
    if (ipe > 0 && max % ipe == 0) return std::to_string(max / ipe) + " epochs";
    return std::to_string(max) + " iterations";
  }

  std::string draw_block(const tk::Context& ctx, double speed) {
    std::string out = "\033[J";
    int lines = 3;
    if (end_known(ctx)) {
      out += bar_line("     total", total_rate(ctx), bar_length_);
      ++lines;
    }
    double epoch_rate = ctx.epoch_detail() - std::floor(ctx.epoch_detail());
    out += bar_line("this epoch", epoch_rate, bar_length_);

    char buf[256];
    std::snprintf(buf, sizeof buf, "%10lld iter, %lld epoch", static_cast<long long>(ctx.iteration()),
                  static_cast<long long>(ctx.epoch()));
    out += buf;
    out += end_known(ctx) ? " / " + length_text(ctx) + "\n" : "\n";
    std::snprintf(buf, sizeof buf, "%10.5g iters/sec. Estimated time to finish: %s.\n", speed, eta(ctx, speed).c_str());
    out += buf;
    std::snprintf(buf, sizeof buf, "\033[%dA", lines);  // back to the first line of the block
    out += buf;
    drawn_ = true;
    return out;
  }

  static std::string plain_line(const tk::Context& ctx, double speed) {
    char buf[256];
    std::string out = "iteration " + std::to_string(ctx.iteration());
    if (end_known(ctx)) {
      std::snprintf(buf, sizeof buf, "/%lld (%.2f%%)", static_cast<long long>(ctx.max_iteration()),
                    total_rate(ctx) * 100.0);
      out += buf;
    }
    std::snprintf(buf, sizeof buf, ", epoch %.2f, %.4g iters/sec", ctx.epoch_detail(), speed);
    out += buf;
    if (end_known(ctx)) out += ", ETA " + eta(ctx, speed);
    return out + "\n";
  }

  int64_t update_interval_;
  int64_t bar_length_;
  bool terminal_;
  bool drawn_ = false;
  int64_t last_update_ = 0;
  std::deque<Sample> samples_;
};

}  // namespace

TK_PLUGIN("org.trainkit.progress_bar", "1.0.0", "Chainer's ProgressBar: progress, speed and ETA on stdout",
          ProgressBar)
