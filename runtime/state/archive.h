// trainkit state: the "trainkit" snapshot format, all of it: ArchiveWriter and ArchiveSaver to write,
// read_archive / verify_archive / looks_like_trainkit_archive to read (Note [trainkit archive layout]).
//
//   state::write_archive(tree, out + "/snapshot_iter_100");           // a captured tree
//   { state::ArchiveWriter w(path); state::ArchiveSaver s(w); trainer.visit(s); w.commit(); }  // streaming
//   state::MemoryTree tree = state::read_archive(path);                // verified, or trainkit::ResumeError
#pragma once

#include "state/archive_reader.h"
#include "state/archive_saver.h"
#include "state/archive_writer.h"
#include "state/leaf_view.h"
