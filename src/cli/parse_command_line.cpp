// argv -> Options. CLI11 checks the shape of the command line (which options, how many
// values); the values themselves are converted here afterwards, so every message about a
// bad value names the option and the value in one style.
#include "live_command_line.hpp"
#include "option_suggestion.hpp"
#include "option_values.hpp"
#include "picture_command_line.hpp"
#include "selection_command_line.hpp"
#include "tcpstate/cli/options.hpp"
#include "tcpstate/source/live_capture.hpp"
#include "tcpstate/util/fatal.hpp"
#include "tcpstate/util/time.hpp"

#include <CLI/CLI.hpp>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#ifndef TCPSTATE_VERSION
#define TCPSTATE_VERSION "unknown"
#endif

namespace tcpstate::cli {
namespace {

constexpr std::string_view k_program = "tcpstate";

constexpr std::string_view k_description =
    "Reports the RFC 9293 state of both endpoints of every TCP connection in pcap\n"
    "or pcapng captures, with anomaly verdicts: half-open connections, CLOSE_WAIT\n"
    "leaks, RST instead of FIN, missing TIME_WAIT, unanswered SYNs, SYN floods.\n";

constexpr std::string_view k_footer =
    "FILTER is a tcpdump (BPF) expression, quoted or as separate words.\n"
    "\n"
    "EXAMPLES:\n"
    "  tcpstate -r capture.pcap\n"
    "  tcpstate -r a.pcap -r b.pcap 'port 443'     # files merged by time\n"
    "  tcpstate -r capture.pcap --anomalies-only tcp port 80\n"
    "  tcpdump -i eth0 -w - | tcpstate -r - --events\n"
    "  tcpstate -r cap.pcap --format csv | duckdb -c \"FROM read_csv('/dev/stdin')\"\n"
    "  tcpstate -r capture.pcap --summary --fail-on-anomaly   # for CI and scripts\n"
    "  tcpstate -i eth0 --format csv port 443 | other-tool     # live, streaming\n"
    "  tcpstate -i any --summary --interval 10 --format jsonl  # live ss -s view\n"
    "\n"
    "EXIT STATUS:\n"
    "  0  success, also when the reader of stdout went away (| head)\n"
    "  1  --fail-on-anomaly and some connection has an anomaly, or --fail-on\n"
    "     SEVERITY and a diagnosis finding is at least that severe\n"
    "  2  usage error: unknown option, bad value, conflicting options, a filter\n"
    "     that does not compile, a -F file that cannot be read, a --follow\n"
    "     connection not in the capture, an unknown -Z user\n"
    "  3  an input could not be opened or read in full (what was read is still\n"
    "     reported); the interface could not be captured on or its capture broke;\n"
    "     -w could not be created or written (packets went unsaved); -Z failed;\n"
    "     stdout could not be written (a full disk); --report could not be\n"
    "     written; memory ran out";

struct FormatName {
  std::string_view name;
  sink::Format format;
};
constexpr std::array<FormatName, 4> k_formats{{
    {"table", sink::Format::table},
    {"csv", sink::Format::csv},
    {"jsonl", sink::Format::jsonl},
    {"zeek", sink::Format::zeek},
}};

// The default shown in --help comes from AnalysisConfig, so the two cannot disagree.
std::string seconds_text(TimeNs ns) {
  std::array<char, 32> buffer{};
  const auto result =
      std::to_chars(buffer.data(), buffer.data() + buffer.size(), ns_to_seconds(ns));
  return std::string(buffer.data(), result.ptr);
}

std::uint32_t parse_count(std::string_view option, const std::string& text, std::string_view unit) {
  return static_cast<std::uint32_t>(parse_whole(option, text, 1, UINT32_MAX, unit));
}

sink::Format parse_format(const std::string& text) {
  for (const auto& entry : k_formats) {
    if (entry.name == text) {
      return entry.format;
    }
  }
  usage_error("--format", text, "one of table, csv, jsonl, zeek");
}

// The bound keeps a typo from starting thousands of threads.
Threads parse_threads(const std::string& text) {
  constexpr std::uint32_t k_max_threads = 256;
  if (text == "auto") {
    return Threads::automatic;
  }
  std::uint32_t count = 0;
  for (const char digit : text) {
    if (digit < '0' || digit > '9' || count > k_max_threads) {
      count = 0;
      break;
    }
    count = count * 10 + static_cast<std::uint32_t>(digit - '0');
  }
  if (count < 1 || count > k_max_threads) {
    usage_error("--threads", text, "a number from 1 to 256, or auto");
  }
  return Threads{count};
}

// --shard K/N. The bound on N only keeps the text sane: more shards than that would be
// processes each reading the whole capture for a handful of connections.
conn::ShardSelection parse_shard(const std::string& text) {
  constexpr std::uint64_t k_max_shards = 1'000'000;
  const auto whole = [&text](std::string_view part) {
    std::uint64_t value = 0;
    const char* const end = part.data() + part.size();
    const auto [ptr, ec] = std::from_chars(part.data(), end, value);
    if (part.empty() || ptr != end || ec != std::errc{}) {
      usage_error("--shard", text, "K/N: shard K (0 to N-1) of N, e.g. 0/4");
    }
    return value;
  };
  const std::size_t slash = text.find('/');
  if (slash == std::string::npos) {
    usage_error("--shard", text, "K/N: shard K (0 to N-1) of N, e.g. 0/4");
  }
  const std::uint64_t index = whole(std::string_view(text).substr(0, slash));
  const std::uint64_t count = whole(std::string_view(text).substr(slash + 1));
  if (count == 0 || count > k_max_shards) {
    range_error("--shard", text, "N from 1 to " + std::to_string(k_max_shards) + " shards");
  }
  if (index >= count) {
    range_error("--shard", text, "K from 0 to N-1 (shards are numbered from 0)");
  }
  return {static_cast<std::uint32_t>(index), static_cast<std::uint32_t>(count)};
}

// tcpdump -F: the whole file is the expression; '#' to the end of a line is a comment
// (pcap-filter has no comments of its own, so the file may explain itself).
std::string read_filter_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    throw Fatal(ExitCode::usage,
                "--filter-file: cannot read '" + path + "': " + std::strerror(errno));
  }
  std::string expression;
  std::string line;
  while (std::getline(file, line)) {
    if (const std::size_t hash = line.find('#'); hash != std::string::npos) {
      line.erase(hash);
    }
    expression += line;
    expression += ' ';
  }
  if (file.bad()) {
    throw Fatal(ExitCode::usage,
                "--filter-file: cannot read '" + path + "': " + std::strerror(errno));
  }
  // One blank between words, whatever the file's layout.
  std::istringstream words(expression);
  std::string joined;
  for (std::string word; words >> word;) {
    joined += joined.empty() ? "" : " ";
    joined += word;
  }
  if (joined.empty()) {
    throw Fatal(ExitCode::usage, "--filter-file: '" + path + "' holds no filter expression");
  }
  return joined;
}

std::string join_words(const std::vector<std::string>& words) {
  std::string joined;
  for (const auto& word : words) {
    if (!joined.empty()) {
      joined += ' ';
    }
    joined += word;
  }
  return joined;
}

// The command line as typed, before conversion. Numeric options stay unset when not
// given, so their defaults are AnalysisConfig's and not a second copy here.
struct Words {
  std::vector<std::string> inputs;
  std::vector<std::string> filter;
  std::string format = "table";
  bool no_header = false;
  bool no_resolve = false; // -n, -nn: accepted, as names are never resolved
  bool quiet = false;
  bool verbose = false;
  std::optional<std::string> filter_file;
  bool summary = false;
  bool events = false;
  bool anomalies_only = false;
  bool verify_checksums = false;
  bool fail_on_anomaly = false;
  std::string threads = "auto";
  std::optional<std::string> shard;
  std::optional<std::string> msl;
  std::optional<std::string> close_wait_timeout;
  std::optional<std::string> handshake_timeout;
  std::optional<std::string> synack_timeout;
  std::optional<std::string> syn_flood_threshold;
  std::optional<std::string> syn_flood_window;
  std::optional<std::string> fin_wait_2_timeout;
  std::optional<std::string> idle_timeout;
  std::optional<std::string> max_connections;
  std::optional<std::string> zeek_server_ports;
  std::optional<std::string> fail_on;
  std::optional<std::string> time_wait_threshold;
  std::optional<std::string> port_range;
  std::optional<std::string> port_pressure;
  std::optional<std::string> finding_min_connections;
  std::optional<std::string> finding_min_percent;
  LiveWords live;
  PictureWords pictures;
  SelectionWords selection;
};

// CLI11's default help lists every option's exclusions and a generic usage line; this keeps
// the help to what a tcpdump user scans for: the option, its value's name, what it does.
class HelpFormatter final : public CLI::Formatter {
public:
  HelpFormatter() { column_width(32); }
  std::string make_usage(const CLI::App* /*app*/, std::string name) const override {
    return "Usage: " + name + " -r FILE [-r FILE ...] [OPTIONS] [FILTER ...]\n" + "       " + name +
           " -i IFACE [OPTIONS] [FILTER ...]\n" + //
           "       " + name + " -D\n";
  }
  std::string make_option_opts(const CLI::Option* option) const override {
    if (option->get_type_size() == 0 || option->get_type_name().empty()) {
      return {};
    }
    return " " + option->get_type_name();
  }
};

constexpr const char* k_analysis_group = "Analysis (in seconds; fractions allowed)";

void add_seconds_option(CLI::App& app, const std::string& name, std::optional<std::string>& value,
                        const std::string& description, TimeNs default_ns) {
  app.add_option(name, value, description + " (default " + seconds_text(default_ns) + ")")
      ->type_name("SECONDS")
      ->group(k_analysis_group);
}

constexpr const char* k_diagnosis_group = "Diagnosis (when numbers become a finding)";

void describe_diagnosis(CLI::App& app, Words& words) {
  const diagnosis::DiagnosisConfig defaults;
  const auto add = [&](const std::string& name, std::optional<std::string>& value,
                       const std::string& type, const std::string& description) {
    app.add_option(name, value, description)->type_name(type)->group(k_diagnosis_group);
  };
  add("--time-wait-threshold", words.time_wait_threshold, "N",
      "TIME_WAIT sockets on one host, at once or\n"
      "implied by the connection rate (default " +
          std::to_string(defaults.time_wait_threshold) + ")");
  add("--port-range", words.port_range, "LOW-HIGH",
      "The clients' ephemeral ports\n(default " + std::to_string(defaults.port_range_low) + "-" +
          std::to_string(defaults.port_range_high) + ")");
  add("--port-pressure", words.port_pressure, "PERCENT",
      "Source ports used within 2*MSL, of the range\n"
      "(default " +
          std::to_string(defaults.port_pressure_percent) + ")");
  add("--finding-min-connections", words.finding_min_connections, "N",
      "Fewer connections never make a counted finding\n"
      "(default " +
          std::to_string(defaults.min_connections) + ")");
  add("--finding-min-percent", words.finding_min_percent, "PERCENT",
      "Counted findings also need this share of a\n"
      "server's connections (default " +
          std::to_string(defaults.min_percent) + ")");
}

void describe(CLI::App& app, Words& words) {
  const conn::AnalysisConfig defaults;
  // A repeated option replaces the earlier value, as in most Unix tools, so a shell alias
  // such as `tcpstate --format csv` can still be overridden.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);

  auto* const read =
      app.add_option("-r,--read", words.inputs,
                     "Capture to read, pcap or pcapng; '-' is stdin.\n"
                     "Repeat to merge several captures by time")
          ->type_name("FILE")
          // One value per -r, so that `-r f.pcap tcp port 80` leaves the filter words alone.
          ->allow_extra_args(false)
          ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
          ->group("Input");
  auto* const filter =
      app.add_option("FILTER", words.filter, "Only packets matching this tcpdump expression")
          ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
          ->type_name("");
  app.add_option("-F,--filter-file", words.filter_file,
                 "Read the filter from FILE ('#': a comment), as\n"
                 "tcpdump -F; not with FILTER words as well")
      ->type_name("FILE")
      ->allow_extra_args(false)
      ->excludes(filter)
      ->group("Input");
  // tcpdump users type -n or -nn out of habit; tcpstate prints addresses and ports as
  // numbers anyway, so the flag is accepted and changes nothing.
  app.add_flag("-n", words.no_resolve,
               "Accepted as tcpdump's -n/-nn: addresses and\n"
               "ports are always numeric")
      ->group("Input");
  app.add_flag("--verify-checksums", words.verify_checksums,
               "Skip segments with a bad IP or TCP checksum (off\n"
               "by default: checksum offload makes packets the\n"
               "capturing host sent look bad)")
      ->group("Input");
  app.add_option("--threads", words.threads,
                 "1: read, decode and analyse -r inputs on one\n"
                 "thread; 2: read and decode on a second one;\n"
                 "N > 2: also split the connections between N-2\n"
                 "threads (same rows). Default auto: 2 for files\n"
                 "on 2-3 CPUs, a thread per CPU beyond two on 4+")
      ->type_name("N")
      ->needs(read)
      ->group("Input");
  app.add_option("--shard", words.shard,
                 "Report only the connections of shard K of N\n"
                 "(0 <= K < N, by a hash of the four-tuple);\n"
                 "every packet is still read")
      ->type_name("K/N")
      ->needs(read)
      ->group("Input");
  describe_live(app, words.live, read);
  describe_pictures(app, words.pictures);
  describe_selection(app, words.selection);

  app.add_option("--format", words.format,
                 "table (default), csv, jsonl, or zeek (a Zeek\n"
                 "conn.log)")
      ->type_name("FORMAT")
      ->group("Output");
  app.add_flag("--no-header", words.no_header,
               "Omit the header of any format: CSV header line,\n"
               "table column titles, Zeek's # lines")
      ->group("Output");
  auto* const quiet =
      app.add_flag("-q,--quiet", words.quiet, "Rows only: no summary block after the table")
          ->group("Output");
  auto* const verbose = app.add_flag("-v,--verbose", words.verbose,
                                     "Table: each anomaly's and note's evidence\n"
                                     "(packet and reason) on a line under its row")
                            ->group("Output");
  quiet->excludes(verbose);
  auto* const summary =
      app.add_flag("--summary", words.summary, "Show only the totals")->group("Output");
  auto* const events =
      app.add_flag("--events", words.events, "Show each state change, anomaly and note")
          ->group("Output");
  auto* const anomalies = app.add_flag("--anomalies-only", words.anomalies_only,
                                       "Show only connections with an anomaly")
                              ->group("Output");
  summary->excludes(events)->excludes(anomalies);
  events->excludes(anomalies);
  app.add_flag("--fail-on-anomaly", words.fail_on_anomaly,
               "Exit 1 if any connection has an anomaly")
      ->group("Output");
  app.add_option("--fail-on", words.fail_on,
                 "Exit 1 if a diagnosis finding is at least this\n"
                 "severe: info, warning or error")
      ->type_name("SEVERITY")
      ->group("Output");
  // Files (-r, in capture time: src/cli/analysis_extras.cpp) and live captures alike.
  app.add_option("--interval", words.live.interval,
                 "Every SECONDS (of capture time with -r, of the\n"
                 "wall clock with -i), the count of endpoints per\n"
                 "state, to stderr (stdout with --summary)")
      ->type_name("SECONDS")
      ->allow_extra_args(false)
      ->group("Output");

  add_seconds_option(app, "--msl", words.msl, "TIME_WAIT lasts 2*MSL", defaults.msl);
  add_seconds_option(app, "--close-wait-timeout", words.close_wait_timeout,
                     "Longer in CLOSE_WAIT is a leak", defaults.close_wait_timeout);
  add_seconds_option(app, "--handshake-timeout", words.handshake_timeout,
                     "Client gives up on its SYN", defaults.handshake_timeout);
  add_seconds_option(app, "--synack-timeout", words.synack_timeout,
                     "Server gives up on its SYN-ACK", defaults.synack_timeout);
  app.add_option("--syn-flood-threshold", words.syn_flood_threshold,
                 "More unfinished handshakes to one server within\n"
                 "the window is a SYN flood (default " +
                     std::to_string(defaults.syn_flood_threshold) + ")")
      ->type_name("N")
      ->group(k_analysis_group);
  add_seconds_option(app, "--syn-flood-window", words.syn_flood_window,
                     "Window of --syn-flood-threshold", defaults.syn_flood_window);
  add_seconds_option(app, "--fin-wait-2-timeout", words.fin_wait_2_timeout,
                     "An orphaned FIN_WAIT_2 dies after", defaults.fin_wait_2_timeout);
  app.add_option("--idle-timeout", words.idle_timeout,
                 "Write out a connection idle this long, as it\n"
                 "stands (default: keep until the capture ends;\n"
                 "300 with -i)")
      ->type_name("SECONDS")
      ->group(k_analysis_group);
  app.add_option("--max-connections", words.max_connections,
                 "Follow at most N connections at once; beyond,\n"
                 "the longest idle is written out as evicted\n"
                 "(default " +
                     std::to_string(defaults.max_connections) + ")")
      ->type_name("N")
      ->group(k_analysis_group);

  app.add_option("--zeek-server-ports", words.zeek_server_ports,
                 "The ports the Zeek compared with takes for\n"
                 "servers' (its likely_server_ports), for the zeek\n"
                 "columns: default, none (zeek -b) or a list,\n"
                 "e.g. default,8443,9000-9100")
      ->type_name("PORTS")
      ->group("Output");

  describe_diagnosis(app, words);

  app.set_version_flag("--version",
                       std::string{k_program} + " " + TCPSTATE_VERSION + "\n" +
                           source::libpcap_version(),
                       "Print tcpstate's and libpcap's versions, exit");
  app.footer(std::string{k_footer});
  app.formatter(std::make_shared<HelpFormatter>());
}

// --zeek-server-ports: "default", "none", or a comma-separated list of "default", ports
// and LOW-HIGH ranges.
conn::ZeekServerPorts parse_zeek_server_ports(const std::string& text) {
  constexpr std::string_view k_option = "--zeek-server-ports";
  constexpr std::string_view k_expected =
      "default, none, or a comma-separated list of default, ports and LOW-HIGH ranges";
  conn::ZeekServerPorts ports = conn::ZeekServerPorts::none();
  if (text == "none") {
    return ports;
  }
  std::size_t begin = 0;
  while (begin <= text.size()) {
    const std::size_t comma = std::min(text.find(',', begin), text.size());
    const std::string item = text.substr(begin, comma - begin);
    begin = comma + 1;
    if (item == "default") {
      ports.add_default();
      continue;
    }
    const std::size_t dash = item.find('-');
    const std::string first = item.substr(0, dash);
    const std::string last = dash == std::string::npos ? first : item.substr(dash + 1);
    const auto digits = [](const std::string& number) {
      return !number.empty() && number.size() <= 5 &&
             number.find_first_not_of("0123456789") == std::string::npos;
    };
    if (!digits(first) || !digits(last)) {
      usage_error(k_option, text, k_expected);
    }
    const auto low = std::stoi(first);
    const auto high = std::stoi(last);
    if (low < 1 || high > 65535) {
      range_error(k_option, text, "ports from 1 to 65535");
    }
    if (low > high) {
      range_error(k_option, text, "LOW must not be above HIGH");
    }
    for (auto port = low; port <= high; ++port) {
      ports.add(static_cast<std::uint16_t>(port));
    }
  }
  return ports;
}

// "LOW-HIGH", two port numbers with LOW <= HIGH.
void parse_port_range(const std::string& text, diagnosis::DiagnosisConfig& config) {
  const std::size_t dash = text.find('-');
  if (dash == std::string::npos) {
    usage_error("--port-range", text, "LOW-HIGH, two port numbers");
  }
  const auto low = parse_whole("--port-range", text.substr(0, dash), 1, 65535, "(port numbers)");
  const auto high = parse_whole("--port-range", text.substr(dash + 1), 1, 65535, "(port numbers)");
  if (low > high) {
    range_error("--port-range", text, "LOW must not be above HIGH");
  }
  config.port_range_low = static_cast<std::uint16_t>(low);
  config.port_range_high = static_cast<std::uint16_t>(high);
}

void convert_diagnosis(const Words& words, Options& options) {
  diagnosis::DiagnosisConfig& config = options.diagnosis;
  if (words.fail_on) {
    diagnosis::Severity severity{};
    if (!diagnosis::parse_severity(*words.fail_on, severity)) {
      usage_error("--fail-on", *words.fail_on, "one of info, warning, error");
    }
    options.fail_on = severity;
  }
  if (words.time_wait_threshold) {
    config.time_wait_threshold =
        parse_count("--time-wait-threshold", *words.time_wait_threshold, "sockets");
  }
  if (words.port_range) {
    parse_port_range(*words.port_range, config);
  }
  if (words.port_pressure) {
    config.port_pressure_percent = static_cast<std::uint32_t>(
        parse_whole("--port-pressure", *words.port_pressure, 1, 100, "percent"));
  }
  if (words.finding_min_connections) {
    config.min_connections =
        parse_count("--finding-min-connections", *words.finding_min_connections, "connections");
  }
  if (words.finding_min_percent) {
    config.min_percent = static_cast<std::uint32_t>(
        parse_whole("--finding-min-percent", *words.finding_min_percent, 1, 100, "percent"));
  }
}

Options convert(const Words& words) {
  Options options;
  options.inputs = words.inputs;
  options.filter =
      words.filter_file ? read_filter_file(*words.filter_file) : join_words(words.filter);
  convert_live(words.live, options);
  options.output.format = parse_format(words.format);
  // Accepted with every format, so that a script can switch formats freely: a format
  // without a header (jsonl) simply has nothing to omit.
  options.output.header = !words.no_header;
  if (words.quiet) {
    if (words.summary) {
      throw Fatal(ExitCode::usage, "--quiet: leaves out the summary, which is all --summary shows");
    }
    options.output.detail = sink::Detail::quiet;
  } else if (words.verbose) {
    options.output.detail = sink::Detail::verbose;
  }
  if (words.summary) {
    options.output.view = sink::View::summary;
  } else if (words.events) {
    options.output.view = sink::View::events;
  } else if (words.anomalies_only) {
    options.output.view = sink::View::anomalies_only;
  }
  if (options.output.format == sink::Format::zeek && (words.summary || words.events)) {
    throw Fatal(ExitCode::usage, std::string("--format zeek: a Zeek conn.log has one row per "
                                             "connection; it cannot show ") +
                                     (words.summary ? "--summary" : "--events"));
  }
  options.verify_checksums = words.verify_checksums;
  options.fail_on_anomaly = words.fail_on_anomaly;
  options.threads = parse_threads(words.threads);

  conn::AnalysisConfig& analysis = options.analysis;
  const auto seconds = [](std::string_view option, const std::optional<std::string>& text,
                          TimeNs& target) {
    if (text) {
      target = parse_seconds(option, *text);
    }
  };
  seconds("--msl", words.msl, analysis.msl);
  seconds("--close-wait-timeout", words.close_wait_timeout, analysis.close_wait_timeout);
  seconds("--handshake-timeout", words.handshake_timeout, analysis.handshake_timeout);
  seconds("--synack-timeout", words.synack_timeout, analysis.synack_timeout);
  seconds("--syn-flood-window", words.syn_flood_window, analysis.syn_flood_window);
  seconds("--fin-wait-2-timeout", words.fin_wait_2_timeout, analysis.fin_wait_2_timeout);
  seconds("--idle-timeout", words.idle_timeout, analysis.idle_timeout);
  if (words.max_connections) {
    analysis.max_connections =
        parse_count("--max-connections", *words.max_connections, "connections");
  }
  if (words.shard) {
    analysis.shard = parse_shard(*words.shard);
    // One connection, picked by the user: a shard can only hide it, never add to it.
    if (words.pictures.follow || words.selection.conn) {
      throw Fatal(ExitCode::usage, std::string("--shard: does not combine with ") +
                                       (words.pictures.follow ? "--follow" : "--conn") +
                                       ", which picks one connection");
    }
    if (words.fail_on) {
      throw Fatal(ExitCode::usage, "--shard: does not combine with --fail-on: the diagnosis "
                                   "needs every connection of the capture");
    }
  }
  if (words.zeek_server_ports) {
    analysis.zeek_server_ports = parse_zeek_server_ports(*words.zeek_server_ports);
  }
  if (words.syn_flood_threshold) {
    analysis.syn_flood_threshold =
        parse_count("--syn-flood-threshold", *words.syn_flood_threshold, "handshakes");
  }
  convert_diagnosis(words, options);
  convert_pictures(words.pictures, options);
  convert_selection(words.selection, options);
  return options;
}

} // namespace

Options parse_command_line(int argc, char** argv, std::ostream& out) {
  CLI::App app{std::string{k_description}, std::string{k_program}};
  Words words;
  describe(app, words);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForVersion& version) {
    out << version.what() << '\n';
    throw ExitRequest{0};
  } catch (const CLI::Success&) {
    // --help: CLI11 only reports it; printing is ours, to the stream we were given.
    out << app.help();
    throw ExitRequest{0};
  } catch (const CLI::ExtrasError& error) {
    // An option CLI11 does not know, most often a typo: name the nearest real one.
    throw Fatal(ExitCode::usage, unknown_option_message(app, argc, argv, error.what()));
  } catch (const CLI::ParseError& error) {
    throw Fatal(ExitCode::usage, error.what());
  }
  return convert(words);
}

Options parse_command_line(int argc, char** argv) {
  return parse_command_line(argc, argv, std::cout);
}

} // namespace tcpstate::cli
