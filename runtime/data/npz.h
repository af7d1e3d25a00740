// trainkit data: the `npz` format, NumPy's np.savez / np.savez_compressed archives, one field per array,
// named as the array was passed (`np.savez(f, x=X, y=Y)` gives fields x and y).
//
//   std::unique_ptr<data::Source> src = data::open_npz("/data/train.npz");
//
// Each array is read into memory once (zip entries, stored or deflated, through libzip); CRC-32 is
// checked. A damaged archive or array is a ConfigError naming the file and the array.
#pragma once

#include <memory>
#include <string>

#include "data/source.h"

namespace trainkit::data {

std::unique_ptr<Source> open_npz(const std::string& path);

}  // namespace trainkit::data
