#include "file_list.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

#include <trainkit/sdk/error.hpp>
#include <trainkit/sdk/json.hpp>

#include "file_template.hpp"

namespace snapshot_plugin {

namespace {
void erase_first(std::vector<std::string>& v, const std::string& name) {
  auto it = std::find(v.begin(), v.end(), name);
  if (it != v.end()) v.erase(it);
}
}  // namespace

void FileList::schedule(const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  scheduled_.push_back(name);
}

void FileList::unschedule(const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  erase_first(scheduled_, name);
}

std::vector<std::string> FileList::commit(const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  erase_first(scheduled_, name);
  erase_first(committed_, name);  // written again (a fixed name, or a resumed run): now the newest
  committed_.push_back(name);
  std::vector<std::string> victims;
  if (n_retains_ > 0 && committed_.size() > static_cast<size_t>(n_retains_)) {
    size_t excess = committed_.size() - static_cast<size_t>(n_retains_);
    victims.assign(committed_.begin(), committed_.begin() + static_cast<std::ptrdiff_t>(excess));
    committed_.erase(committed_.begin(), committed_.begin() + static_cast<std::ptrdiff_t>(excess));
  }
  return victims;
}

// Note [Scheduled names are saved]: the state is captured while the file that will hold it is still being
// written, so that file's name must already be in the saved list: a run resumed from snapshot_iter_40 then
// knows it wrote snapshot_iter_40 and deletes it in turn. A scheduled write that later failed leaves a name
// whose file does not exist; deleting it then is a no-op.
std::vector<std::string> FileList::saved() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> out;
  for (auto& name : committed_)
    if (std::find(scheduled_.begin(), scheduled_.end(), name) == scheduled_.end()) out.push_back(name);
  for (auto& name : scheduled_) {
    erase_first(out, name);  // scheduled twice (a fixed name): once, at its newest place
    out.push_back(name);
  }
  return out;
}

std::vector<std::string> FileList::committed() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return committed_;
}

void FileList::restore(const std::vector<std::string>& names) {
  std::vector<std::string> unique;
  for (auto& name : names) {
    if (!is_plain_file_name(name))
      throw tk::Error(TK_ERR_INVALID, "saved file list holds \"", name, "\", which is not a snapshot file name");
    erase_first(unique, name);
    unique.push_back(name);
  }
  std::lock_guard<std::mutex> lock(mutex_);
  committed_ = std::move(unique);
  scheduled_.clear();
}

std::string FileList::to_json() const {
  tk::json::Value list = tk::json::Value::array();
  for (auto& name : saved()) list.push_back(name);
  return tk::json::dump(list);
}

std::vector<std::string> FileList::from_json(const std::string& text) {
  tk::json::Value list = tk::json::parse(text);
  if (!list.is_array()) throw tk::Error(TK_ERR_INVALID, "saved file list is not a JSON list");
  std::vector<std::string> names;
  for (size_t i = 0; i < list.size(); ++i) names.push_back(list.at(i).as_string());
  return names;
}

std::string remove_file(const std::string& dir, const std::string& name) {
  std::string path = dir + "/" + name;
  if (::unlink(path.c_str()) == 0 || errno == ENOENT) return "";
  int err = errno;
  return "cannot delete old snapshot \"" + path + "\": " + std::generic_category().message(err);
}

}  // namespace snapshot_plugin
