#pragma once
// Where packets come from: a capture file, several merged by time, or (later) a live
// interface. A source that hits damaged input stops there and records one error line;
// packets read before the damage have already been handed out.
#include "tcpstate/source/raw_packet.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tcpstate::source {

class PacketSource {
public:
  virtual ~PacketSource() = default;

  // Fills `packet` and returns true, or returns false at the end of the input (clean or
  // not: see errors()).
  virtual bool next(RawPacket& packet) = 0;

  // One line per input that could not be read in full, naming the file, the byte offset
  // and the reason, e.g. "cap.pcap: offset 4096: packet record truncated (need 1514 bytes,
  // 200 left)".
  virtual const std::vector<std::string>& errors() const = 0;

  // errors().size(), cheap enough to ask after every packet: a reader on another thread
  // uses it to tell which error lines existed when a given packet was handed out.
  virtual std::size_t error_count() const { return errors().size(); }

  // Bytes taken from the input so far (0 where nobody counts them: a live capture). Safe
  // to ask from another thread while one calls next(): the progress line does.
  virtual std::uint64_t bytes_read() const { return 0; }
};

} // namespace tcpstate::source
