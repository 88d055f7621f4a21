#pragma once
// What the pcap and pcapng readers share: the read buffer, the input's name, and the
// rule that damage stops the reader with one error line. Private to the source stage.
#include "read_buffer.hpp"
#include "tcpstate/source/packet_source.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tcpstate::source {

// No link type tcpstate reads has frames near this size; a larger length field is damage,
// and the bound keeps a corrupt length from growing the read buffer without limit.
inline constexpr std::uint32_t k_max_record_length = std::uint32_t{16} << 20;

class CaptureReader : public PacketSource {
public:
  const std::vector<std::string>& errors() const final { return m_errors; }
  std::uint64_t bytes_read() const final { return m_buffer.bytes_read(); }

protected:
  CaptureReader(ReadBuffer buffer, std::string name);

  // Records "NAME: offset N: reason" and stops the reader for good. Returns false so that
  // callers can `return stop(...)` from next().
  bool stop(std::uint64_t offset, std::string_view reason);

  // ensure() failed for a record of `needed` bytes starting at the current position:
  // reports the read error, or the truncation, as the cause.
  bool stop_truncated(std::string_view what, std::size_t needed);

  // True when ensure() failed because the input ended exactly at a record boundary.
  bool at_clean_end() const { return m_buffer.available() == 0 && m_buffer.read_error() == 0; }

  // The one-line description of a read error (for a Fatal in a file header).
  std::string read_error_text() const;

  ReadBuffer m_buffer;
  std::string m_name;
  std::vector<std::string> m_errors;
  bool m_stopped = false;
};

} // namespace tcpstate::source
