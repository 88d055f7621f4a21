// libFuzzer target: the input is a whole capture file (pcap or pcapng). It is written to a
// memfd and read straight through open_capture_fd() with a tiny read buffer (every record
// crosses a refill), then through the whole pipeline (run_analysis) twice: into the events
// view, and into one of the output formats and views, with or without checksum
// verification, idle eviction, or the file merged with itself. Output is discarded.
#include "source/open_capture_fd.hpp"
#include "tcpstate/cli/options.hpp"
#include "tcpstate/cli/run_analysis.hpp"
#include "tcpstate/util/fatal.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <ostream>
#include <streambuf>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

namespace {

class DiscardBuffer final : public std::streambuf {
protected:
  int_type overflow(int_type c) override { return traits_type::not_eof(c); }
  std::streamsize xsputn(const char*, std::streamsize n) override { return n; }
};

// Keeps only whether anything was written and the last line, so the checks below can look
// at the error lines without keeping all of them.
class LineCounter final : public std::streambuf {
public:
  std::size_t lines = 0;
  std::size_t warnings = 0; // lines starting "tcpstate: warning:"
  // Of those, the ones naming frames tcpstate does not decode; the others are about
  // capture gaps or one-sided captures.
  std::size_t undecoded_warnings = 0;
  bool last_was_newline = true;

protected:
  int_type overflow(int_type c) override {
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
      note(traits_type::to_char_type(c));
    }
    return traits_type::not_eof(c);
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    for (std::streamsize i = 0; i < n; ++i) {
      note(s[i]);
    }
    return n;
  }

private:
  void note(char c) {
    last_was_newline = c == '\n';
    if (c != '\n') {
      m_line.push_back(c);
      return;
    }
    lines++;
    if (m_line.starts_with("tcpstate: warning:")) {
      warnings++;
      undecoded_warnings += m_line.find("tcpstate does not decode") != std::string::npos ? 1 : 0;
    }
    m_line.clear();
  }
  std::string m_line;
};

void check(bool condition) {
  if (!condition) {
    std::abort();
  }
}

// The source stage alone: the reader must stop cleanly, with at most one error line.
void drain(int memfd) {
  const int fd = ::dup(memfd);
  check(fd >= 0);
  ::lseek(fd, 0, SEEK_SET); // dup() shares the offset: start from the top
  try {
    const auto source = tcpstate::source::open_capture_fd(fd, "fuzz", 64);
    tcpstate::source::RawPacket packet;
    std::uint64_t bytes = 0;
    while (source->next(packet)) {
      for (const std::uint8_t byte : packet.data) {
        bytes += byte; // touch every byte: ASan checks they are all inside the buffer
      }
    }
    check(source->errors().size() <= 1);
    check(!source->next(packet)); // a finished source stays finished
    (void)bytes;
  } catch (const tcpstate::Fatal& failure) {
    check(failure.code() == tcpstate::ExitCode::input_error);
  }
}

void analyse(const std::string& path, const tcpstate::cli::Options& options, std::size_t inputs) {
  DiscardBuffer discard;
  std::ostream out(&discard);
  LineCounter errors;
  std::ostream err(&errors);
  const tcpstate::ExitCode code = tcpstate::cli::run_analysis(options, out, err);
  // Never a usage error or anomaly exit here; an input error comes with one line per input.
  // Besides, a capture with gaps or seen one way gets at most one warning line, and one
  // with frames tcpstate does not decode one more.
  check(errors.undecoded_warnings <= 1);
  check(errors.warnings - errors.undecoded_warnings <= 1);
  const std::size_t error_lines = errors.lines - errors.warnings;
  if (code == tcpstate::ExitCode::success) {
    check(error_lines == 0);
  } else {
    check(code == tcpstate::ExitCode::input_error);
    check(error_lines >= 1 && error_lines <= inputs && errors.last_was_newline);
  }
  (void)path;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const int memfd = ::memfd_create("fuzz-capture", MFD_CLOEXEC);
  check(memfd >= 0);
  for (std::size_t written = 0; written < size;) {
    const ssize_t n = ::write(memfd, data + written, size - written);
    check(n > 0);
    written += static_cast<std::size_t>(n);
  }
  drain(memfd);

  // run_analysis opens paths; /proc/self/fd/N opens the memfd afresh, at offset 0.
  const std::string path = "/proc/self/fd/" + std::to_string(memfd);
  // Every run of the pipeline costs as much as the rest together, so each input gets the
  // richest view (every event, as JSON) and one more combination of format, view, checksum
  // policy, idle eviction and merging, chosen by the input's own bytes: deterministic, so
  // libFuzzer's coverage feedback stays meaningful, and every combination is reached.
  std::uint32_t hash = 2166136261U;
  for (std::size_t i = 0; i < size; i += 1 + size / 64) {
    hash = (hash ^ data[i]) * 16777619U;
  }
  using tcpstate::sink::Format;
  using tcpstate::sink::View;
  constexpr Format k_formats[] = {Format::table, Format::csv, Format::jsonl};
  constexpr View k_views[] = {View::connections, View::summary, View::events, View::anomalies_only};
  const unsigned combination = hash % 96;
  for (int round = 0; round < 2; ++round) {
    tcpstate::cli::Options options;
    options.inputs = {path};
    if (round == 0) {
      options.output.format = Format::jsonl;
      options.output.view = View::events;
    } else {
      options.output.format = k_formats[combination % 3];
      options.output.view = k_views[(combination / 3) % 4];
      options.output.header = (combination & 1) == 0;
      options.verify_checksums = ((combination / 12) & 1) != 0;
      if (((combination / 24) & 1) != 0) {
        options.analysis.idle_timeout = tcpstate::k_ns_per_second;
      }
      // The file merged with itself: every packet twice, interleaved by time.
      if (((combination / 48) & 1) != 0) {
        options.inputs.push_back(path);
      }
    }
    analyse(path, options, options.inputs.size());
  }
  ::close(memfd);
  return 0;
}
