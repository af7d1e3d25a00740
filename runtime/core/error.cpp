#include "core/error.h"

#include <ostream>

namespace trainkit {

int report_current_exception(std::ostream& err) noexcept {
  try {
    throw;
  } catch (const InternalError& e) {
    err << "trainkit: " << e.what() << "\n";  // what() starts with "internal error: "
    return static_cast<int>(ExitCode::kInternalError);
  } catch (const Error& e) {
    err << "trainkit: error: " << e.what() << "\n";
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    err << "trainkit: error: " << e.what() << "\n";
    return static_cast<int>(ExitCode::kTrainingFailed);
  } catch (...) {
    // Every error trainkit raises is a std::exception, and plugins' exceptions stop at the ABI edge.
    err << "trainkit: internal error: an exception of unknown type: " << kReportBug << "\n";
    return static_cast<int>(ExitCode::kInternalError);
  }
}

}  // namespace trainkit
