#include "read_buffer.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <unistd.h>
#include <utility>

namespace tcpstate::source {

ReadBuffer::ReadBuffer(int fd, std::size_t capacity)
    : m_fd(fd), m_storage(std::make_unique_for_overwrite<std::uint8_t[]>(capacity)),
      m_capacity(capacity) {}

ReadBuffer::~ReadBuffer() {
  if (m_fd >= 0) {
    ::close(m_fd);
  }
}

ReadBuffer::ReadBuffer(ReadBuffer&& other) noexcept
    : m_fd(std::exchange(other.m_fd, -1)), m_storage(std::move(other.m_storage)),
      m_capacity(std::exchange(other.m_capacity, 0)), m_pos(std::exchange(other.m_pos, 0)),
      m_end(std::exchange(other.m_end, 0)),
      m_storage_offset(std::exchange(other.m_storage_offset, 0)),
      m_bytes_read(other.m_bytes_read.load(std::memory_order_relaxed)),
      m_read_error(other.m_read_error), m_at_eof(other.m_at_eof) {}

bool ReadBuffer::refill(std::size_t count) {
  if (m_at_eof || m_read_error != 0) {
    return false;
  }
  // Only the unread tail moves: at most one partial record, tiny next to the buffer.
  if (m_pos > 0) {
    std::memmove(m_storage.get(), m_storage.get() + m_pos, m_end - m_pos);
    m_storage_offset += m_pos;
    m_end -= m_pos;
    m_pos = 0;
  }
  if (count > m_capacity) {
    const std::size_t grown = std::max(count, m_capacity * 2);
    auto storage = std::make_unique_for_overwrite<std::uint8_t[]>(grown);
    std::memcpy(storage.get(), m_storage.get(), m_end);
    m_storage = std::move(storage);
    m_capacity = grown;
  }
  // Fill the whole buffer, not just `count`, so a regular file costs one read() per
  // buffer; a pipe may return less, hence the loop.
  while (m_end < count) {
    const ssize_t got = ::read(m_fd, m_storage.get() + m_end, m_capacity - m_end);
    if (got < 0) {
      if (errno == EINTR) {
        continue;
      }
      m_read_error = errno;
      return false;
    }
    if (got == 0) {
      m_at_eof = true;
      return false;
    }
    m_end += static_cast<std::size_t>(got);
    m_bytes_read.store(m_bytes_read.load(std::memory_order_relaxed) +
                           static_cast<std::uint64_t>(got),
                       std::memory_order_relaxed);
  }
  return true;
}

} // namespace tcpstate::source
