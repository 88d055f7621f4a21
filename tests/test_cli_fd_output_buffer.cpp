#include "tcpstate/cli/fd_output_buffer.hpp"

#include <doctest/doctest.h>

#include <cerrno>
#include <csignal>
#include <ostream>
#include <string>
#include <unistd.h>

namespace {

using tcpstate::cli::FdOutputBuffer;

// Both ends of a pipe, closed on scope exit.
struct Pipe {
  Pipe() { REQUIRE(::pipe(fds) == 0); }
  ~Pipe() {
    close_read();
    if (fds[1] >= 0) {
      ::close(fds[1]);
    }
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  void close_read() {
    if (fds[0] >= 0) {
      ::close(fds[0]);
      fds[0] = -1;
    }
  }
  std::string read_some() const {
    std::string text(1 << 16, '\0');
    const ssize_t got = ::read(fds[0], text.data(), text.size());
    REQUIRE(got >= 0);
    text.resize(static_cast<std::size_t>(got));
    return text;
  }
  int fds[2] = {-1, -1};
};

// The program ignores SIGPIPE (main does); a test writing to a closed pipe must too.
struct IgnoreSigpipe {
  IgnoreSigpipe() : previous(std::signal(SIGPIPE, SIG_IGN)) {}
  ~IgnoreSigpipe() { std::signal(SIGPIPE, previous); }
  IgnoreSigpipe(const IgnoreSigpipe&) = delete;
  IgnoreSigpipe& operator=(const IgnoreSigpipe&) = delete;
  void (*previous)(int);
};

} // namespace

TEST_CASE("cli fd output buffer: holds output until flushed, then writes it all") {
  Pipe pipe;
  FdOutputBuffer buffer(pipe.fds[1], 64);
  std::ostream out(&buffer);
  out << "row " << 1 << '\n';
  out.flush();
  CHECK(pipe.read_some() == "row 1\n");
  CHECK(buffer.error() == 0);
}

TEST_CASE("cli fd output buffer: writes larger than the buffer arrive whole and in order") {
  Pipe pipe;
  FdOutputBuffer buffer(pipe.fds[1], 16);
  std::ostream out(&buffer);
  const std::string big(100, 'x');
  out << "ab" << big << "cd" << std::string(9, 'y') << 'z';
  out.flush();
  CHECK(out.good());
  CHECK(pipe.read_some() == "ab" + big + "cd" + std::string(9, 'y') + "z");
}

TEST_CASE("cli fd output buffer: a closed reader is EPIPE and makes the stream fail") {
  const IgnoreSigpipe ignore;
  Pipe pipe;
  pipe.close_read();
  FdOutputBuffer buffer(pipe.fds[1], 64);
  std::ostream out(&buffer);
  out << "lost\n";
  CHECK(out.good()); // still buffered
  out.flush();
  CHECK_FALSE(out.good());
  CHECK(buffer.error() == EPIPE);
  out.clear();
  out << std::string(1000, 'x'); // discarded, no second error
  CHECK_FALSE(out.good());
  CHECK(buffer.error() == EPIPE);
}

TEST_CASE("cli fd output buffer: a bad descriptor is remembered as EBADF") {
  FdOutputBuffer buffer(-1, 8);
  std::ostream out(&buffer);
  out << "0123456789";
  out.flush();
  CHECK_FALSE(out.good());
  CHECK(buffer.error() == EBADF);
}
