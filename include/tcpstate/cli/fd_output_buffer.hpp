#pragma once
// A write-only stream buffer over a file descriptor with a large buffer: one write(2) per
// buffer-full instead of per 8 KiB, and, unlike std::filebuf, it remembers why a write
// failed, so main can tell a reader that went away (EPIPE: end quietly) from a full disk
// (an error worth reporting).
#include <cstddef>
#include <memory>
#include <streambuf>

namespace tcpstate::cli {

class FdOutputBuffer final : public std::streambuf {
public:
  FdOutputBuffer(int fd, std::size_t capacity);
  ~FdOutputBuffer() override; // writes what is pending; errors are then only recorded
  FdOutputBuffer(const FdOutputBuffer&) = delete;
  FdOutputBuffer& operator=(const FdOutputBuffer&) = delete;

  // errno of the first failed write, 0 while every write succeeded. After a failure
  // everything further is discarded and the stream using this buffer goes bad.
  int error() const { return m_error; }

protected:
  int_type overflow(int_type ch) override;
  std::streamsize xsputn(const char* data, std::streamsize count) override;
  int sync() override;

private:
  bool write_pending();
  bool write_all(const char* data, std::size_t size);

  int m_fd;
  std::size_t m_capacity;
  std::unique_ptr<char[]> m_buffer;
  int m_error = 0;
};

} // namespace tcpstate::cli
