#pragma once
// open_capture_file() on an already open descriptor: how standard input is read, and how
// the tests feed pipes and small buffers. Private to the source stage.
#include "read_buffer.hpp"
#include "tcpstate/source/packet_source.hpp"

#include <cstddef>
#include <memory>
#include <string>

namespace tcpstate::source {

// Takes ownership of `fd`. `name` is what messages call the input. Throws
// Fatal(input_error) when the input is not a capture.
std::unique_ptr<PacketSource>
open_capture_fd(int fd, std::string name,
                std::size_t buffer_capacity = ReadBuffer::k_default_capacity);

} // namespace tcpstate::source
