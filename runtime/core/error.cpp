#include "core/error.h"

#include <ostream>

namespace trainkit {
namespace {
std::string& label() {
  static std::string text = "trainkit";
  return text;
}
}  // namespace

const std::string& program_label() { return label(); }
void set_program_label(const std::string& text) { label() = text; }

int report_current_exception(std::ostream& err) noexcept {
  try {
    throw;
  } catch (const InternalError& e) {
    err << program_label() << ": " << e.what() << "\n";  // what() starts with "internal error: "
    return static_cast<int>(ExitCode::kInternalError);
  } catch (const Error& e) {
    err << program_label() << ": error: " << e.what() << "\n";
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    err << program_label() << ": error: " << e.what() << "\n";
    return static_cast<int>(ExitCode::kTrainingFailed);
  } catch (...) {
    // Every error trainkit raises is a std::exception, and plugins' exceptions stop at the ABI edge.
    err << program_label() << ": internal error: an exception of unknown type: " << kReportBug << "\n";
    return static_cast<int>(ExitCode::kInternalError);
  }
}

}  // namespace trainkit
