#pragma once
// Everything the command line can say, typed. Only the CLI layer sees argv and CLI11.
#include "tcpstate/cli/at_time.hpp"
#include "tcpstate/cli/live_options.hpp"
#include "tcpstate/cli/picture_options.hpp"
#include "tcpstate/conn/analysis_config.hpp"
#include "tcpstate/diagnosis/diagnosis_config.hpp"
#include "tcpstate/diagnosis/finding.hpp"
#include "tcpstate/sink/sink_factory.hpp"

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace tcpstate::cli {

// How many threads analyse -r inputs: one reads, decodes and analyses; two read and decode
// on one while the other analyses; N > 2 read and decode on one, split the connections
// between N - 2 shards (conn/sharded_reconstructor.hpp) and merge their rows on the last.
// Automatic picks two when tcpstate may run on at least two CPUs and every input is a
// regular file.
struct Threads {
  std::uint32_t count = 0; // 0: automatic

  static const Threads automatic;
  static const Threads one;
  static const Threads two;
  // The threads that follow connections, when more than one thread analyses; 0 otherwise.
  std::uint32_t shards() const { return count > 2 ? count - 2 : 0; }
  friend bool operator==(const Threads&, const Threads&) = default;
};
inline constexpr Threads Threads::automatic{0};
inline constexpr Threads Threads::one{1};
inline constexpr Threads Threads::two{2};

struct Options {
  std::vector<std::string> inputs; // "-" is standard input; empty with -i or -D
  std::string filter;              // BPF expression; empty: every packet
  sink::SinkOptions output;
  bool verify_checksums = false;
  bool fail_on_anomaly = false;
  Threads threads = Threads::automatic;
  conn::AnalysisConfig analysis;
  // The diagnosis' thresholds (its msl is the analysis'), and --fail-on: exit 1 when a
  // finding is at least this severe.
  diagnosis::DiagnosisConfig diagnosis;
  std::optional<diagnosis::Severity> fail_on;
  LiveOptions live;        // -i, -D and the options that only apply to them
  PictureOptions pictures; // --follow, --report, --color
  // --conn: only this connection in every view (rows, events, summary, --follow, --report);
  // disabled: every connection.
  ConnectionTarget selected;
  // --at: every view as of this moment (the connections alive then, their states then).
  AtTime at;
};

// Thrown after --help or --version has been printed: the program should end with `code`.
struct ExitRequest {
  int code;
};

// Parses argv. Returns the options, or throws Fatal(usage) with a one-line message naming
// the option at fault. Prints --help / --version to `out` and then throws ExitRequest{0}.
Options parse_command_line(int argc, char** argv, std::ostream& out);

// The same, printing --help / --version to standard output.
Options parse_command_line(int argc, char** argv);

} // namespace tcpstate::cli
