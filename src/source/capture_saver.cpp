#include "tcpstate/source/capture_saver.hpp"

#include "tcpstate/util/fatal.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace tcpstate::source {
namespace {

// Big enough that a busy capture costs one write(2) per few hundred packets, small
// enough that a failure is known within a fraction of a second of traffic.
constexpr std::size_t k_buffer_size = std::size_t{1} << 18;
constexpr std::size_t k_file_header = 24;
constexpr std::size_t k_record_header = 16;
constexpr std::uint32_t k_magic_micro = 0xa1b2c3d4;
constexpr std::uint32_t k_magic_nano = 0xa1b23c4d;

void put32(std::uint8_t* at, std::uint32_t value) {
  std::memcpy(at, &value, sizeof value); // host order, as libpcap writes and readers expect
}

void put16(std::uint8_t* at, std::uint16_t value) {
  std::memcpy(at, &value, sizeof value);
}

} // namespace

CaptureSaver::CaptureSaver(const std::string& path, int link_type, int snaplen, bool nanoseconds)
    : m_path(path), m_buffer(std::make_unique<std::uint8_t[]>(k_buffer_size)) {
  m_fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (m_fd < 0) {
    throw Fatal(ExitCode::input_error,
                "--write: cannot create '" + path + "': " + std::strerror(errno));
  }
  // The pcap file header (24 bytes): magic, version 2.4, no zone, no sigfigs, snaplen,
  // link type.
  std::uint8_t* const h = m_buffer.get();
  put32(h, nanoseconds ? k_magic_nano : k_magic_micro);
  put16(h + 4, 2);
  put16(h + 6, 4);
  put32(h + 8, 0);
  put32(h + 12, 0);
  put32(h + 16, static_cast<std::uint32_t>(snaplen));
  put32(h + 20, static_cast<std::uint32_t>(link_type));
  m_used = k_file_header;
  write_buffer();
  if (m_error != 0) {
    const int error = m_error;
    ::close(m_fd);
    throw Fatal(ExitCode::input_error,
                "--write: cannot write '" + path + "': " + std::strerror(error));
  }
}

CaptureSaver::~CaptureSaver() {
  flush();
  ::close(m_fd);
}

void CaptureSaver::save(SavedStamp stamp, ByteView data, std::uint32_t wire_length) {
  if (m_error != 0) {
    ++m_not_saved;
    return;
  }
  const std::size_t record = k_record_header + data.size();
  if (m_used + record > k_buffer_size) {
    write_buffer();
    if (m_error != 0) {
      ++m_not_saved;
      return;
    }
  }
  if (record > k_buffer_size) {
    // Cannot happen with snaplen <= 262144 and this buffer; kept honest all the same.
    ++m_not_saved;
    return;
  }
  std::uint8_t* const at = m_buffer.get() + m_used;
  put32(at, stamp.seconds);
  put32(at + 4, stamp.fraction);
  put32(at + 8, static_cast<std::uint32_t>(data.size()));
  put32(at + 12, wire_length);
  if (!data.empty()) {
    std::memcpy(at + k_record_header, data.data(), data.size());
  }
  m_used += record;
  ++m_buffered_packets;
}

void CaptureSaver::flush() {
  if (m_error == 0 && m_used > 0) {
    write_buffer();
  }
}

void CaptureSaver::write_buffer() {
  std::size_t done = 0;
  while (done < m_used) {
    const ssize_t written = ::write(m_fd, m_buffer.get() + done, m_used - done);
    if (written < 0 && errno == EINTR) {
      continue;
    }
    if (written <= 0) {
      m_error = written < 0 ? errno : ENOSPC;
      break;
    }
    done += static_cast<std::size_t>(written);
  }
  if (m_error == 0) {
    m_file_bytes += m_used;
    m_saved += m_buffered_packets;
  } else {
    // Part of the buffer may have reached the file, ending inside a record: the records
    // wholly written are saved, and the file is cut back to the last of them so it stays
    // a readable capture (a device such as /dev/full cannot be cut, and need not be).
    // The file header is written on its own (the constructor), so a buffer that held
    // packets holds nothing but records.
    std::size_t whole = 0;
    std::uint64_t whole_packets = 0;
    while (whole_packets < m_buffered_packets && whole + k_record_header <= done) {
      std::uint32_t captured = 0;
      std::memcpy(&captured, m_buffer.get() + whole + 8, sizeof captured);
      if (whole + k_record_header + captured > done) {
        break;
      }
      whole += k_record_header + captured;
      ++whole_packets;
    }
    m_file_bytes += whole;
    m_saved += whole_packets;
    m_not_saved += m_buffered_packets - whole_packets;
    if (::ftruncate(m_fd, static_cast<off_t>(m_file_bytes)) != 0) {
      // Nothing more to do: the failure itself is what gets reported.
    }
  }
  m_used = 0;
  m_buffered_packets = 0;
}

std::string CaptureSaver::take_failure() {
  if (m_error == 0 || m_failure_reported) {
    return {};
  }
  m_failure_reported = true;
  return "--write: cannot write '" + m_path + "': " + std::strerror(m_error) +
         "; it keeps the first " + std::to_string(m_saved) +
         " packets, the rest are not saved (the analysis goes on)";
}

} // namespace tcpstate::source
