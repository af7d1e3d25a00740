// print_report: Chainer's PrintReport. Prints a header once, then one row per call with the means of the
// observations since the previous call (the host's summary, the same means log_report logs), on stdout.
//
// Layout as in Chainer: each column is max(10, len(name)) wide plus two spaces, values as Python's
// '{:<Ng}' (epoch and iteration as integers), a missing value as blanks. When the columns are inferred and
// a new key shows up (ppe), the header is printed again with the new column set.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include <trainkit/sdk.hpp>

namespace {

// What one row shows: key -> value, with epoch and iteration kept as integers.
struct Cell {
  std::string key;
  double value;
  bool integer;
};

bool is_fixed_column(const std::string& key) {
  return key == "epoch" || key == "iteration" || key == "elapsed_time";
}

// The progress bar leaves the cursor at the top of its lines; "\033[J" erases them before a row is printed
// (Chainer's way of sharing stdout). Only on a terminal, so captured logs stay free of escape codes.
bool stdout_is_terminal() {
  const char* term = std::getenv("TERM");
  return ::isatty(STDOUT_FILENO) == 1 && !(term != nullptr && std::string(term) == "dumb");
}

class PrintReport final : public tk::Extension {
 public:
  static tk::ClassSpec spec() {
    return {"print_report",
            "prints the means of the observations since the last call as a table on stdout (Chainer's PrintReport)",
            "1 epoch",
            TK_PRIORITY_READER,
            TK_EXTENSION_WANTS_SUMMARY,
            {tk::option::string_list("entries", "[]",
                                     "columns to print; [] = epoch, iteration, every observed key, elapsed_time")}};
  }

  PrintReport(const tk::Config& cfg, const tk::Host& host)
      : Extension(host), entries_(cfg.get_string_list("entries")), infer_(entries_.empty()),
        terminal_(stdout_is_terminal()) {}

  void call(tk::Context& ctx) override {
    std::vector<Cell> row;
    tk::ScalarView summary = ctx.summary();
    for (size_t i = 0; i < summary.size(); ++i) {
      std::string key = summary.key(i);
      if (!is_fixed_column(key)) row.push_back({key, summary.value(i), false});
    }
    row.push_back({"epoch", static_cast<double>(ctx.epoch()), true});
    row.push_back({"iteration", static_cast<double>(ctx.iteration()), true});
    row.push_back({"elapsed_time", ctx.elapsed_time(), false});
    if (infer_) infer_entries(row);
    if (ctx.rank() != 0) return;  // one table, not one per rank

    std::string text;
    if (terminal_) text += "\033[J";
    if (header_pending_) {
      text += header();
      header_pending_ = false;
    }
    text += format_row(row);
    std::fputs(text.c_str(), stdout);
    std::fflush(stdout);  // a row is worth seeing now, even when stdout is a pipe
  }

 private:
  // ppe's inference, with both counters first: epoch, iteration, keys in order of appearance, elapsed_time.
  void infer_entries(const std::vector<Cell>& row) {
    bool grown = false;
    for (auto& cell : row) {
      if (is_fixed_column(cell.key)) continue;
      bool known = false;
      for (auto& k : observed_) known = known || k == cell.key;
      if (!known) {
        observed_.push_back(cell.key);
        grown = true;
      }
    }
    if (!grown && !entries_.empty()) return;
    entries_ = {"epoch", "iteration"};
    entries_.insert(entries_.end(), observed_.begin(), observed_.end());
    entries_.push_back("elapsed_time");
    header_pending_ = true;
  }

  static size_t width(const std::string& entry) { return std::max<size_t>(10, entry.size()); }

  // Python's '  '.join('{:%d}' % w ...).format(*entries) + '\n'.
  std::string header() const {
    std::string out;
    for (size_t i = 0; i < entries_.size(); ++i) {
      if (i > 0) out += "  ";
      out += entries_[i];
      out.append(width(entries_[i]) - entries_[i].size(), ' ');
    }
    return out + "\n";
  }

  std::string format_row(const std::vector<Cell>& row) const {
    std::string out;
    for (auto& entry : entries_) {
      const Cell* cell = nullptr;
      for (auto& c : row)
        if (c.key == entry) cell = &c;
      int w = static_cast<int>(width(entry));
      std::vector<char> buf(static_cast<size_t>(w) + 64);
      if (cell == nullptr)
        std::snprintf(buf.data(), buf.size(), "%*s  ", w, "");
      else if (cell->integer)
        std::snprintf(buf.data(), buf.size(), "%-*lld  ", w, static_cast<long long>(cell->value));
      else if (std::isnan(cell->value))  // Python prints "nan" whatever the sign bit; glibc may print "-nan"
        std::snprintf(buf.data(), buf.size(), "%-*s  ", w, "nan");
      else
        std::snprintf(buf.data(), buf.size(), "%-*g  ", w, cell->value);
      out += buf.data();
    }
    return out + "\n";
  }

  std::vector<std::string> entries_;
  bool infer_;
  bool terminal_;
  bool header_pending_ = true;
  std::vector<std::string> observed_;  // inferred columns, in order of first appearance
};

}  // namespace

TK_PLUGIN("org.trainkit.print_report", "1.0.0", "Chainer's PrintReport: a table of the means on stdout",
          PrintReport)
