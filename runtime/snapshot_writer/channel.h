// trainkit snapshot writer: whole messages over a connected AF_UNIX stream socket, each one optionally
// carrying a file descriptor (SCM_RIGHTS): how trainkit and trainkit-snapshot-writer talk.
//
//   send_message(sock, request_bytes, staging_fd);   // the receiver gets its own descriptor of the file
//   std::string bytes; int fd = -1;
//   if (!receive_message(sock, bytes, &fd)) return;  // the other side closed its end
#pragma once

#include <string>

namespace trainkit::snapshot_writer {

// Writes an 8-byte length and the bytes; attach_fd (when >= 0) travels with them. Never raises SIGPIPE.
// Throws std::system_error (EPIPE: the other side is gone).
void send_message(int socket, const std::string& bytes, int attach_fd = -1);

// Reads one message into bytes; *received_fd (when given) gets the descriptor that came with it, close-on-
// exec, or -1. False when the other side closed before the message began; std::system_error on a read
// error, a message cut short, or one longer than 1 GiB.
bool receive_message(int socket, std::string& bytes, int* received_fd = nullptr);

}  // namespace trainkit::snapshot_writer
