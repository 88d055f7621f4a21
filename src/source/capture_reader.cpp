#include "capture_reader.hpp"

#include <cstring>
#include <utility>

namespace tcpstate::source {

CaptureReader::CaptureReader(ReadBuffer buffer, std::string name)
    : m_buffer(std::move(buffer)), m_name(std::move(name)) {}

bool CaptureReader::stop(std::uint64_t offset, std::string_view reason) {
  std::string line = m_name;
  line += ": offset ";
  line += std::to_string(offset);
  line += ": ";
  line += reason;
  m_errors.push_back(std::move(line));
  m_stopped = true;
  return false;
}

bool CaptureReader::stop_truncated(std::string_view what, std::size_t needed) {
  if (m_buffer.read_error() != 0) {
    return stop(m_buffer.offset(), read_error_text());
  }
  std::string reason{what};
  reason += " truncated (need ";
  reason += std::to_string(needed);
  reason += " bytes, ";
  reason += std::to_string(m_buffer.available());
  reason += " left)";
  return stop(m_buffer.offset(), reason);
}

std::string CaptureReader::read_error_text() const {
  return std::string{"read error: "} + std::strerror(m_buffer.read_error());
}

} // namespace tcpstate::source
