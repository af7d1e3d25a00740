// trainkit manifest: the rules for an option that names a file inside the run's output folder
// (TK_OPTION_OUT_FILE), and whether two such names can ever name one file.
//
//   out_file_name_problem("../escape_log");       // "has a \"..\" component: it must stay inside the output folder"
//   out_file_folder("logs/run_{epoch}.json");     // "logs", created in out/ before training
//   could_name_same_file("log_{epoch}", "log_1");  // true: at epoch 1 both are out/log_1
//   could_name_same_file("snapshot_iter_{iteration}", "snapshot_iter_{iteration}.model");  // false
//
// Note [When two out-file names collide]: a name is a template. In its last component {iteration} and
// {epoch} stand for any decimal number (one or more digits), any other {field} (a plugin's own, such as
// checkpoint's {score}) for any text without '/', and "{{" and "}}" for literal braces; folder parts are
// plain text. Two names collide when some values of their placeholders make them the same path: the
// intersection of two such patterns is not empty (decided exactly, over the product of their automata).
// So "snapshot_iter_{iteration}" and "snapshot_iter_{iteration}.model" (a trainer and a model snapshot)
// may share out/, while "log_{epoch}" and "log_{iteration}" may not. A name that is the folder of
// another ("log" and "log/x") collides too. Comparing only the text before the first placeholder would
// refuse the first pair, and comparing the texts for equality would accept the second.
#pragma once

#include <optional>
#include <string>

namespace trainkit {

// Why a non-empty name cannot be a file in the output folder, or nullopt: absolute; an empty, "." or
// ".." component; a placeholder in a folder part; a component over 255 bytes or a name over 4096; a last
// component starting with ".tmp." (atomic writes' temp files) or the folder's ".lock". The caller
// refuses NUL bytes (in every string option).
std::optional<std::string> out_file_name_problem(const std::string& name);

// The folder part of a valid name ("" when the file is directly in the output folder).
std::string out_file_folder(const std::string& name);

// Whether two valid names can name the same path (Note [When two out-file names collide]).
bool could_name_same_file(const std::string& a, const std::string& b);

// Whether the valid name a can name the folder `folder` (a plain path), which another name writes into.
bool could_name_folder(const std::string& a, const std::string& folder);

}  // namespace trainkit
