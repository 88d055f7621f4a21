#pragma once
// tcpdump -w: every captured packet appended to a pcap file. Written by tcpstate rather
// than pcap_dump, whose stdio buffering hides a failed write: here a failure (a full
// disk) is known at the write that fails, the file is cut back to its last whole packet
// so it stays readable, and every packet that did not reach it is counted.
#include "tcpstate/util/byte_view.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace tcpstate::source {

// When each packet's stamp was taken (pcap's record header fields as libpcap gives them).
struct SavedStamp {
  std::uint32_t seconds = 0;
  std::uint32_t fraction = 0; // micro- or nanoseconds, as the file's magic says
};

class CaptureSaver {
public:
  // Creates (or empties) `path` and writes the pcap file header. Throws
  // Fatal(input_error) "--write: cannot create 'PATH': REASON" when it cannot.
  CaptureSaver(const std::string& path, int link_type, int snaplen, bool nanoseconds);
  // Writes what is still buffered; a failure then is only counted.
  ~CaptureSaver();
  CaptureSaver(const CaptureSaver&) = delete;
  CaptureSaver& operator=(const CaptureSaver&) = delete;

  // Appends one packet (buffered). After a failure, only counts it as not saved.
  void save(SavedStamp stamp, ByteView data, std::uint32_t wire_length);
  // Writes what is buffered to the file.
  void flush();

  bool failed() const { return m_error != 0; }
  // The failure, once, in a line for stderr; empty when there is none or it was taken.
  std::string take_failure();
  std::uint64_t saved() const { return m_saved; }
  std::uint64_t not_saved() const { return m_not_saved; }
  const std::string& path() const { return m_path; }

private:
  void write_buffer();

  std::string m_path;
  int m_fd = -1;
  std::unique_ptr<std::uint8_t[]> m_buffer;
  std::size_t m_used = 0;
  std::uint64_t m_buffered_packets = 0;
  std::uint64_t m_file_bytes = 0; // whole records (and the header) on disk
  std::uint64_t m_saved = 0;
  std::uint64_t m_not_saved = 0;
  int m_error = 0;
  bool m_failure_reported = false;
};

} // namespace tcpstate::source
