#include "tcpstate/cli/fd_output_buffer.hpp"

#include <cerrno>
#include <cstring>
#include <unistd.h>

namespace tcpstate::cli {

FdOutputBuffer::FdOutputBuffer(int fd, std::size_t capacity)
    : m_fd(fd), m_capacity(capacity > 0 ? capacity : 1),
      m_buffer(std::make_unique_for_overwrite<char[]>(m_capacity)) {
  setp(m_buffer.get(), m_buffer.get() + m_capacity);
}

FdOutputBuffer::~FdOutputBuffer() {
  write_pending();
}

FdOutputBuffer::int_type FdOutputBuffer::overflow(int_type ch) {
  if (!write_pending()) {
    return traits_type::eof();
  }
  if (!traits_type::eq_int_type(ch, traits_type::eof())) {
    *pptr() = traits_type::to_char_type(ch);
    pbump(1);
  }
  return traits_type::not_eof(ch);
}

std::streamsize FdOutputBuffer::xsputn(const char* data, std::streamsize count) {
  if (m_error != 0 || count <= 0) {
    return 0;
  }
  const auto size = static_cast<std::size_t>(count);
  const auto room = static_cast<std::size_t>(epptr() - pptr());
  if (size <= room) {
    std::memcpy(pptr(), data, size);
    pbump(static_cast<int>(count));
    return count;
  }
  // Too big for what is left: send what is pending, then either buffer the data or, when
  // it would fill most of the buffer anyway, write it straight through.
  if (!write_pending()) {
    return 0;
  }
  if (size < m_capacity / 2) {
    std::memcpy(pptr(), data, size);
    pbump(static_cast<int>(count));
    return count;
  }
  return write_all(data, size) ? count : 0;
}

int FdOutputBuffer::sync() {
  return write_pending() ? 0 : -1;
}

bool FdOutputBuffer::write_pending() {
  const auto size = static_cast<std::size_t>(pptr() - pbase());
  setp(m_buffer.get(), m_buffer.get() + m_capacity);
  return size == 0 ? m_error == 0 : write_all(m_buffer.get(), size);
}

bool FdOutputBuffer::write_all(const char* data, std::size_t size) {
  while (size > 0 && m_error == 0) {
    const ssize_t written = ::write(m_fd, data, size);
    if (written < 0) {
      if (errno != EINTR) {
        m_error = errno;
      }
      continue;
    }
    data += written;
    size -= static_cast<std::size_t>(written);
  }
  return m_error == 0;
}

} // namespace tcpstate::cli
