// tcpstate: the RFC 9293 state of both endpoints of every TCP connection in a capture.
//
// Exit codes (documented in --help and the man page):
//   0  success; also when standard output was closed early (`tcpstate ... | head`): the
//      reader has what it wanted, and that is not an error
//   1  --fail-on-anomaly and some connection has an anomaly
//   2  usage error: bad option or value, a filter that does not compile
//   3  an input could not be read in full, the interface could not be captured on (no
//      such interface, no permission) or its capture broke, -w or -Z failed, standard
//      output could not be written (a full disk), memory ran out, or an unexpected
//      internal error; what could be read has been reported
#include "tcpstate/cli/fd_output_buffer.hpp"
#include "tcpstate/cli/options.hpp"
#include "tcpstate/cli/run_analysis.hpp"
#include "tcpstate/cli/run_live.hpp"
#include "tcpstate/util/fatal.hpp"

#include <cerrno>
#include <csignal>
#include <cstddef>
#include <cstring>
#include <exception>
#include <iostream>
#include <new>
#include <unistd.h>

namespace {

using tcpstate::ExitCode;

// Big enough that writing rows costs one write(2) per several thousand rows.
constexpr std::size_t k_stdout_buffer_size = std::size_t{1} << 20;

int code_of(ExitCode code) {
  return static_cast<int>(code);
}

int run(int argc, char** argv) {
  try {
    const tcpstate::cli::Options options = tcpstate::cli::parse_command_line(argc, argv);
    if (options.live.list_interfaces) {
      return code_of(tcpstate::cli::list_interfaces(std::cout));
    }
    if (!options.live.interface.empty()) {
      return code_of(tcpstate::cli::run_live(options, std::cout, std::cerr, STDOUT_FILENO));
    }
    return code_of(tcpstate::cli::run_analysis(options, std::cout, std::cerr));
  } catch (const tcpstate::cli::ExitRequest& request) {
    return request.code;
  } catch (const tcpstate::Fatal& failure) {
    std::cerr << "tcpstate: " << failure.what() << '\n';
    if (failure.code() == ExitCode::usage) {
      std::cerr << "Run 'tcpstate --help' for usage.\n";
    }
    return code_of(failure.code());
  } catch (const std::bad_alloc&) {
    std::cerr << "tcpstate: out of memory\n";
    return code_of(ExitCode::input_error);
  } catch (const std::exception& error) {
    std::cerr << "tcpstate: internal error: " << error.what() << '\n';
    return code_of(ExitCode::input_error);
  }
}

// A reader that went away is the normal end of `| head`; any other write error means the
// report is lost and must not look like success.
int check_stdout(const tcpstate::cli::FdOutputBuffer& buffer, int code) {
  switch (buffer.error()) {
  case 0:
    return code;
  case EPIPE:
    return code_of(ExitCode::success);
  default:
    std::cerr << "tcpstate: cannot write standard output: " << std::strerror(buffer.error())
              << '\n';
    return code_of(ExitCode::input_error);
  }
}

} // namespace

int main(int argc, char** argv) {
  // A closed pipe must show up as a write error we can handle quietly, not as a signal
  // that kills the process mid-row.
  std::signal(SIGPIPE, SIG_IGN);
  // C stdio is never used, so iostreams need not stay in step with it (no lock per write).
  std::ios::sync_with_stdio(false);
  // All standard output, --help included, goes through one large buffer that remembers
  // why a write failed.
  tcpstate::cli::FdOutputBuffer stdout_buffer(STDOUT_FILENO, k_stdout_buffer_size);
  std::streambuf* const original_stdout = std::cout.rdbuf(&stdout_buffer);

  const int code = run(argc, argv);

  // Flushed here rather than by the destructor so that a failure still changes the code.
  std::cout.flush();
  std::cout.rdbuf(original_stdout);
  return check_stdout(stdout_buffer, code);
}
