// trainkit distributed: a step every rank takes, or none does.
//
//   all_or_none(comm, "set up", [&] { load_plugins(); session = make_session(manifest, openers, group); });
//
// Each rank runs the body, then one all-reduce tells every rank which ranks failed. A rank whose body threw
// rethrows its own error; every other rank throws an Error with the exit code of the lowest failing rank,
// naming it. So a configuration error or a refused snapshot on one rank stops every rank at once, with
// the same exit code, instead of leaving the others to time out in their next collective.
#pragma once

#include <functional>
#include <string>

#include "distributed/communicator.h"

namespace trainkit::distributed {

void all_or_none(Communicator& comm, const std::string& what, const std::function<void()>& body);

}  // namespace trainkit::distributed
