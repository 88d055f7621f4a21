#include "cli/option_suggestion.hpp"
#include "cli/read_plan.hpp"
#include "command_words.hpp"
#include "scratch_dir.hpp"
#include "tcpstate/cli/options.hpp"
#include "tcpstate/util/fatal.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace {

using tcpstate::k_ns_per_second;
using tcpstate::cli::edit_distance;
using tcpstate::cli::ExitRequest;
using tcpstate::cli::nearest_option;
using tcpstate::cli::Options;
using tcpstate::test::parse_words;
using tcpstate::test::usage_error;
namespace sink = tcpstate::sink;

Options parse(std::vector<std::string> words) {
  std::ostringstream out;
  Options options = parse_words(std::move(words), out);
  CHECK(out.str().empty());
  return options;
}

// What --help or --version printed; they must end the program with status 0.
std::string printed_and_exit(std::vector<std::string> words) {
  std::ostringstream out;
  try {
    parse_words(std::move(words), out);
  } catch (const ExitRequest& request) {
    CHECK(request.code == 0);
    return out.str();
  }
  FAIL("expected an exit request");
  return {};
}

} // namespace

TEST_CASE("cli options: one input and nothing else gives the documented defaults") {
  const Options options = parse({"-r", "capture.pcap"});
  CHECK(options.inputs == std::vector<std::string>{"capture.pcap"});
  CHECK(options.filter.empty());
  CHECK(options.output.format == sink::Format::table);
  CHECK(options.output.view == sink::View::connections);
  CHECK(options.output.header);
  CHECK_FALSE(options.verify_checksums);
  CHECK_FALSE(options.fail_on_anomaly);
  CHECK(options.analysis.msl == 30 * k_ns_per_second);
  CHECK(options.analysis.close_wait_timeout == 60 * k_ns_per_second);
  CHECK(options.analysis.handshake_timeout == 127 * k_ns_per_second);
  CHECK(options.analysis.synack_timeout == 63 * k_ns_per_second);
  CHECK(options.analysis.syn_flood_threshold == 100);
  CHECK(options.analysis.syn_flood_window == 10 * k_ns_per_second);
}

TEST_CASE("cli options: -r is repeatable, keeps order, and accepts every spelling") {
  CHECK(parse({"-r", "a.pcap", "--read", "b.pcapng", "-rc.pcap", "--read=d.pcap"}).inputs ==
        std::vector<std::string>{"a.pcap", "b.pcapng", "c.pcap", "d.pcap"});
  CHECK(parse({"-r", "-"}).inputs == std::vector<std::string>{"-"});
}

TEST_CASE("cli options: without -r or -i is a usage error") {
  CHECK(usage_error({}) == "--read or --interface is required");
  CHECK(usage_error({"port", "80"}) == "--read or --interface is required");
  CHECK(usage_error({"-r"}).find("--read") != std::string::npos);
}

TEST_CASE("cli options: the filter is every remaining word, joined with spaces") {
  CHECK(parse({"-r", "f.pcap", "tcp", "port", "80"}).filter == "tcp port 80");
  CHECK(parse({"-r", "f.pcap", "port 80"}).filter == "port 80");
  CHECK(parse({"-r", "f.pcap", "tcp[13] & 2 != 0"}).filter == "tcp[13] & 2 != 0");
  SUBCASE("words before, between and after options") {
    const Options options = parse({"host", "10.0.0.1", "-r", "a.pcap", "and", "-r", "b.pcap",
                                   "--format", "csv", "port", "443"});
    CHECK(options.filter == "host 10.0.0.1 and port 443");
    CHECK(options.inputs == std::vector<std::string>{"a.pcap", "b.pcap"});
  }
  SUBCASE("-r takes exactly one file, even from stdin") {
    const Options options = parse({"-r", "-", "not", "port", "22"});
    CHECK(options.inputs == std::vector<std::string>{"-"});
    CHECK(options.filter == "not port 22");
  }
}

TEST_CASE("cli options: --format") {
  CHECK(parse({"-r", "f", "--format", "table"}).output.format == sink::Format::table);
  CHECK(parse({"-r", "f", "--format", "csv"}).output.format == sink::Format::csv);
  CHECK(parse({"-r", "f", "--format=jsonl"}).output.format == sink::Format::jsonl);
  CHECK(usage_error({"-r", "f", "--format", "xml"}) ==
        "--format: 'xml' is not one of table, csv, jsonl, zeek");
  CHECK(usage_error({"-r", "f", "--format", "CSV"}) ==
        "--format: 'CSV' is not one of table, csv, jsonl, zeek");
  CHECK(usage_error({"-r", "f", "--format"}).find("--format") != std::string::npos);
  CHECK(parse({"-r", "f", "--format", "zeek"}).output.format == sink::Format::zeek);
  CHECK(parse({"-r", "f", "--format", "zeek", "--anomalies-only"}).output.view ==
        sink::View::anomalies_only);
  CHECK(usage_error({"-r", "f", "--format", "zeek", "--summary"}).find("--summary") !=
        std::string::npos);
  CHECK(usage_error({"-r", "f", "--format", "zeek", "--events"}).find("--events") !=
        std::string::npos);
}

TEST_CASE("cli options: a repeated option keeps its last value") {
  const Options options =
      parse({"-r", "f", "--format", "table", "--format", "csv", "--msl", "1", "--msl", "2"});
  CHECK(options.output.format == sink::Format::csv);
  CHECK(options.analysis.msl == 2 * k_ns_per_second);
}

TEST_CASE("cli options: --no-header with every format, so scripts can switch formats") {
  CHECK(parse({"-r", "f"}).output.header);
  CHECK_FALSE(parse({"-r", "f", "--format", "csv", "--no-header"}).output.header);
  CHECK_FALSE(parse({"-r", "f", "--no-header", "--format", "csv", "--events"}).output.header);
  for (const std::string format : {"table", "csv", "jsonl", "zeek"}) {
    CAPTURE(format);
    CHECK_FALSE(parse({"-r", "f", "--format", format, "--no-header"}).output.header);
  }
}

TEST_CASE("cli options: views") {
  CHECK(parse({"-r", "f", "--summary"}).output.view == sink::View::summary);
  CHECK(parse({"-r", "f", "--events"}).output.view == sink::View::events);
  CHECK(parse({"-r", "f", "--anomalies-only"}).output.view == sink::View::anomalies_only);
  CHECK(parse({"-r", "f", "--summary", "--summary"}).output.view == sink::View::summary);
}

TEST_CASE("cli options: views exclude each other") {
  const std::vector<std::vector<std::string>> pairs{{"--summary", "--events"},
                                                    {"--events", "--summary"},
                                                    {"--summary", "--anomalies-only"},
                                                    {"--anomalies-only", "--events"}};
  for (const auto& pair : pairs) {
    CAPTURE(pair[0]);
    CAPTURE(pair[1]);
    const std::string message = usage_error({"-r", "f", pair[0], pair[1]});
    CHECK(message.find("excludes") != std::string::npos);
    CHECK(message.find(pair[0]) != std::string::npos);
    CHECK(message.find(pair[1]) != std::string::npos);
  }
}

TEST_CASE("cli options: boolean switches") {
  const Options options = parse({"-r", "f", "--verify-checksums", "--fail-on-anomaly"});
  CHECK(options.verify_checksums);
  CHECK(options.fail_on_anomaly);
}

TEST_CASE("cli options: --threads is a count from 1 to 256 or auto, for -r only") {
  CHECK(parse({"-r", "f"}).threads == tcpstate::cli::Threads::automatic);
  CHECK(parse({"-r", "f", "--threads", "1"}).threads == tcpstate::cli::Threads::one);
  CHECK(parse({"-r", "f", "--threads", "2"}).threads == tcpstate::cli::Threads::two);
  CHECK(parse({"-r", "f", "--threads", "1", "--threads", "auto"}).threads ==
        tcpstate::cli::Threads::automatic);
  const Options sharded = parse({"-r", "f", "--threads", "6"});
  CHECK(sharded.threads.count == 6);
  CHECK(sharded.threads.shards() == 4);
  CHECK(parse({"-r", "f", "--threads", "256"}).threads.shards() == 254);
  CHECK(tcpstate::cli::Threads::two.shards() == 0);
  for (const std::string value : {"0", "257", "99999999999", "two", "-3", "3x", ""}) {
    CAPTURE(value);
    CHECK(usage_error({"-r", "f", "--threads", value}) ==
          "--threads: '" + value + "' is not a number from 1 to 256, or auto");
  }
  CHECK(usage_error({"-i", "lo", "--threads", "2"}).find("--threads") != std::string::npos);
}

TEST_CASE("cli options: --threads auto shards only inputs large enough to gain from it") {
  using tcpstate::cli::automatic_shards;
  using tcpstate::cli::k_bytes_for_shards;
  CHECK(automatic_shards(1, k_bytes_for_shards) == 0);
  CHECK(automatic_shards(2, k_bytes_for_shards - 1) == 0);
  CHECK(automatic_shards(64, k_bytes_for_shards - 1) == 0);
  // Two shards even where they share the CPUs with the reader and the merge.
  CHECK(automatic_shards(2, k_bytes_for_shards) == 2);
  CHECK(automatic_shards(3, k_bytes_for_shards) == 2);
  CHECK(automatic_shards(4, k_bytes_for_shards) == 2);
  CHECK(automatic_shards(6, k_bytes_for_shards) == 4);
  CHECK(automatic_shards(64, k_bytes_for_shards) == tcpstate::cli::k_most_automatic_shards);
  // Given counts are as given, whatever the CPUs and the input.
  CHECK(tcpstate::cli::analysis_shards(tcpstate::cli::Threads{5}, {"-"}) == 3);
  CHECK(tcpstate::cli::analysis_shards(tcpstate::cli::Threads::two, {"f"}) == 0);
}

TEST_CASE("cli options: each timer takes seconds, fractions allowed") {
  const Options options =
      parse({"-r", "f", "--msl", "0.5", "--close-wait-timeout", "90", "--handshake-timeout", "1e1",
             "--synack-timeout", "3.25", "--syn-flood-window", "0.001"});
  CHECK(options.analysis.msl == 500'000'000);
  CHECK(options.analysis.close_wait_timeout == 90 * k_ns_per_second);
  CHECK(options.analysis.handshake_timeout == 10 * k_ns_per_second);
  CHECK(options.analysis.synack_timeout == 3'250'000'000);
  CHECK(options.analysis.syn_flood_window == 1'000'000);
}

TEST_CASE("cli options: a timer must be a positive, finite number of seconds") {
  const std::vector<std::string> timers{"--msl",
                                        "--close-wait-timeout",
                                        "--handshake-timeout",
                                        "--synack-timeout",
                                        "--syn-flood-window",
                                        "--fin-wait-2-timeout",
                                        "--idle-timeout",
                                        "--interval"};
  const std::vector<std::string> bad{"0", "-1", "abc", "1s", "", "nan", "0x10", " 1", "1,5", "-0"};
  for (const auto& timer : timers) {
    for (const auto& value : bad) {
      CAPTURE(timer);
      CAPTURE(value);
      CHECK(usage_error({"-r", "f", timer, value}) ==
            timer + ": '" + value + "' is not a positive number of seconds");
    }
  }
}

TEST_CASE("cli options: a timer beyond its range says what the range is") {
  const std::string range =
      "' is out of range: seconds from 0.000000001 (1 ns) to 1000000000 (about 31 years)";
  for (const std::string value :
       {"1e10", "2e9", "1000000000.5", "inf", "1e400", "1e-10", "1e-400"}) {
    CAPTURE(value);
    CHECK(usage_error({"-r", "f", "--msl", value}) == "--msl: '" + value + range);
  }
  CHECK(parse({"-r", "f", "--msl", "1e9"}).analysis.msl == 1'000'000'000 * k_ns_per_second);
  CHECK(parse({"-r", "f", "--msl", "1e-9"}).analysis.msl == 1);
}

TEST_CASE("cli options: --syn-flood-threshold is a whole number from 1 to 4294967295") {
  CHECK(parse({"-r", "f", "--syn-flood-threshold", "1"}).analysis.syn_flood_threshold == 1);
  CHECK(parse({"-r", "f", "--syn-flood-threshold", "4294967295"}).analysis.syn_flood_threshold ==
        4294967295U);
  for (const std::string value : {"1.5", "many", "", "1e3", " 1"}) {
    CAPTURE(value);
    CHECK(usage_error({"-r", "f", "--syn-flood-threshold", value}) ==
          "--syn-flood-threshold: '" + value + "' is not a whole number");
  }
  for (const std::string value : {"0", "-1", "4294967296", "99999999999999999999"}) {
    CAPTURE(value);
    CHECK(usage_error({"-r", "f", "--syn-flood-threshold", value}) ==
          "--syn-flood-threshold: '" + value +
              "' is out of range: from 1 to 4294967295 handshakes");
  }
  CHECK(usage_error({"-r", "f", "--max-connections", "0"}) ==
        "--max-connections: '0' is out of range: from 1 to 4294967295 connections");
}

TEST_CASE("cli options: --zeek-server-ports names the Zeek the zeek columns follow") {
  using tcpstate::conn::ZeekServerPorts;
  CHECK(parse({"-r", "f"}).analysis.zeek_server_ports == ZeekServerPorts::zeek_default());
  CHECK(parse({"-r", "f", "--zeek-server-ports", "default"}).analysis.zeek_server_ports ==
        ZeekServerPorts::zeek_default());
  CHECK(parse({"-r", "f", "--zeek-server-ports", "none"}).analysis.zeek_server_ports ==
        ZeekServerPorts::none());
  const ZeekServerPorts listed = parse({"-r", "f", "--zeek-server-ports", "8443,9000-9002,default"})
                                     .analysis.zeek_server_ports;
  for (const int port : {80, 443, 8443, 9000, 9001, 9002}) {
    CAPTURE(port);
    CHECK(listed.contains(static_cast<std::uint16_t>(port)));
  }
  CHECK_FALSE(listed.contains(9003));
  const ZeekServerPorts alone =
      parse({"-r", "f", "--zeek-server-ports", "65535"}).analysis.zeek_server_ports;
  CHECK(alone.contains(65535));
  CHECK_FALSE(alone.contains(80));
  for (const std::string value :
       {"", ",", "default,", "http", "80-", "-80", "1-2-3", "80 ", "none,80", "123456"}) {
    CAPTURE(value);
    CHECK(usage_error({"-r", "f", "--zeek-server-ports", value}) ==
          "--zeek-server-ports: '" + value +
              "' is not default, none, or a comma-separated list of default, ports and "
              "LOW-HIGH ranges");
  }
  CHECK(usage_error({"-r", "f", "--zeek-server-ports", "0"}) ==
        "--zeek-server-ports: '0' is out of range: ports from 1 to 65535");
  CHECK(usage_error({"-r", "f", "--zeek-server-ports", "80,65536"}) ==
        "--zeek-server-ports: '80,65536' is out of range: ports from 1 to 65535");
  CHECK(usage_error({"-r", "f", "--zeek-server-ports", "90-80"}) ==
        "--zeek-server-ports: '90-80' is out of range: LOW must not be above HIGH");
}

TEST_CASE("cli options: --shard K/N, shards numbered from 0") {
  const Options options = parse({"-r", "f", "--shard", "2/7"});
  CHECK(options.analysis.shard.index == 2);
  CHECK(options.analysis.shard.count == 7);
  CHECK_FALSE(parse({"-r", "f"}).analysis.shard.active());
  CHECK(parse({"-r", "f", "--shard", "0/1"}).analysis.shard.active());
  for (const std::string value : {"x", "", "1", "1/", "/2", "-1/2", "1/-2", "1/2/3", "1.0/2"}) {
    CAPTURE(value);
    CHECK(usage_error({"-r", "f", "--shard", value}) ==
          "--shard: '" + value + "' is not K/N: shard K (0 to N-1) of N, e.g. 0/4");
  }
  CHECK(usage_error({"-r", "f", "--shard", "3/2"}) ==
        "--shard: '3/2' is out of range: K from 0 to N-1 (shards are numbered from 0)");
  CHECK(usage_error({"-r", "f", "--shard", "2/2"}) ==
        "--shard: '2/2' is out of range: K from 0 to N-1 (shards are numbered from 0)");
  CHECK(usage_error({"-r", "f", "--shard", "0/0"}) ==
        "--shard: '0/0' is out of range: N from 1 to 1000000 shards");
  CHECK(usage_error({"-i", "lo", "--shard", "0/2"}).find("--shard") != std::string::npos);
  CHECK(usage_error({"-r", "f", "--shard", "0/2", "--follow", "1"}) ==
        "--shard: does not combine with --follow, which picks one connection");
  CHECK(usage_error({"-r", "f", "--shard", "0/2", "--conn", "1"}) ==
        "--shard: does not combine with --conn, which picks one connection");
  CHECK(usage_error({"-r", "f", "--shard", "0/2", "--fail-on", "error"}) ==
        "--shard: does not combine with --fail-on: the diagnosis needs every connection of the "
        "capture");
}

TEST_CASE("cli options: an unknown option is a usage error naming it") {
  CHECK(usage_error({"-r", "f", "--bogus"}).find("--bogus") != std::string::npos);
  CHECK(usage_error({"-r", "f", "-w", "out.pcap"}).find("-w") != std::string::npos);
}

TEST_CASE("cli options: --help prints usage, options and examples, even without -r") {
  for (const std::string flag : {"--help", "-h"}) {
    CAPTURE(flag);
    const std::string help = printed_and_exit({flag});
    CHECK(help.find("Usage: tcpstate -r FILE") != std::string::npos);
    CHECK(help.find("--syn-flood-threshold N") != std::string::npos);
    CHECK(help.find("(default 127)") != std::string::npos);
    CHECK(help.find("EXAMPLES:") != std::string::npos);
    CHECK(help.find("tcpstate -r -") != std::string::npos);
  }
  CHECK_FALSE(printed_and_exit({"-r", "f", "--format", "csv", "--help"}).empty());
}

TEST_CASE("cli options: --help fits an 80-column terminal") {
  std::istringstream help(printed_and_exit({"--help"}));
  for (std::string line; std::getline(help, line);) {
    CAPTURE(line);
    CHECK(line.size() <= 80);
  }
}

TEST_CASE("cli options: --version names tcpstate's version, then libpcap's") {
  const std::string version = printed_and_exit({"--version"});
  CHECK(version.rfind("tcpstate ", 0) == 0);
  CHECK(version.back() == '\n');
  const std::size_t second = version.find('\n') + 1;
  CHECK(second > std::string("tcpstate \n").size());
  CHECK(version.substr(second).starts_with("libpcap version "));
  CHECK(version == printed_and_exit({"-r", "f", "--version"}));
}

TEST_CASE("cli options: tcpdump habits") {
  SUBCASE("-c with -r reads the first N packets") {
    CHECK(parse({"-r", "f", "-c", "5"}).live.count == 5);
    CHECK(parse({"-r", "f", "-c5"}).live.count == 5);
    CHECK(parse({"-r", "f"}).live.count == 0);
  }
  SUBCASE("-n and -nn are accepted and change nothing") {
    const Options plain = parse({"-r", "f", "port", "80"});
    for (const auto& flags :
         std::vector<std::vector<std::string>>{{"-n"}, {"-nn"}, {"-n", "-n"}, {"-nnq"}}) {
      std::vector<std::string> words{"-r", "f"};
      words.insert(words.end(), flags.begin(), flags.end());
      words.insert(words.end(), {"port", "80"});
      const Options options = parse(words);
      CHECK(options.filter == plain.filter);
      CHECK(options.inputs == plain.inputs);
    }
  }
  SUBCASE("-q leaves out the summary; -v adds the evidence; not both, -q not with --summary") {
    CHECK(parse({"-r", "f"}).output.detail == sink::Detail::normal);
    CHECK(parse({"-r", "f", "-q"}).output.detail == sink::Detail::quiet);
    CHECK(parse({"-r", "f", "--verbose"}).output.detail == sink::Detail::verbose);
    CHECK(usage_error({"-r", "f", "-q", "-v"}).find("--quiet") != std::string::npos);
    CHECK(usage_error({"-r", "f", "-q", "--summary"}) ==
          "--quiet: leaves out the summary, which is all --summary shows");
  }
}

TEST_CASE("cli options: -F reads the filter from a file") {
  const tcpstate::test::ScratchDir dir;
  const std::string path = (dir.path() / "filter").string();
  const std::string missing = (dir.path() / "missing").string();
  {
    std::ofstream file(path);
    file << "# web traffic only\ntcp port 80   # plain HTTP\n  or tcp port 443\n\n";
  }
  CHECK(parse({"-r", "f", "-F", path}).filter == "tcp port 80 or tcp port 443");
  CHECK(usage_error({"-r", "f", "-F", path, "port", "22"}).find("--filter-file") !=
        std::string::npos);
  CHECK(usage_error({"-r", "f", "-F", missing}) ==
        "--filter-file: cannot read '" + missing + "': No such file or directory");
  {
    std::ofstream file(path);
    file << "# nothing but a comment\n";
  }
  CHECK(usage_error({"-r", "f", "-F", path}) ==
        "--filter-file: '" + path + "' holds no filter expression");
}

TEST_CASE("cli options: an unknown option names the nearest real one") {
  CHECK(usage_error({"-r", "f", "--anomalies-onyl"}) ==
        "unknown option '--anomalies-onyl' (did you mean --anomalies-only?)");
  CHECK(usage_error({"-r", "f", "--summery"}) ==
        "unknown option '--summery' (did you mean --summary?)");
  CHECK(usage_error({"-r", "f", "--colour=always"}) ==
        "unknown option '--colour' (did you mean --color?)");
  CHECK(usage_error({"-r", "f", "--anomal"}) ==
        "unknown option '--anomal' (did you mean --anomalies-only?)");
  CHECK(usage_error({"-r", "f", "--frobnicate"}) == "unknown option '--frobnicate'");
  CHECK(usage_error({"-r", "f", "-X"}) == "unknown option '-X'");
}

TEST_CASE("cli::edit_distance and cli::nearest_option") {
  CHECK(edit_distance("", "") == 0);
  CHECK(edit_distance("abc", "abc") == 0);
  CHECK(edit_distance("anomalies-onyl", "anomalies-only") == 1); // a swap counts once
  CHECK(edit_distance("colour", "color") == 1);
  CHECK(edit_distance("kitten", "sitting") == 3);
  const std::vector<std::string> known{"-r", "--read", "--summary", "--events", "--msl"};
  CHECK(nearest_option("--sumary", known) == "--summary");
  CHECK(nearest_option("--evnets", known) == "--events");
  CHECK(nearest_option("--ms", known) == "--msl");
  CHECK(nearest_option("--x", known) == std::nullopt);
  CHECK(nearest_option("--zzzzzzzz", known) == std::nullopt);
  CHECK(nearest_option("-", known) == std::nullopt);
}

TEST_CASE("cli::parse_command_line bounds the connection table and idle time") {
  std::vector<std::string> words{"tcpstate", "-r",
                                 "a.pcap",   "--max-connections",
                                 "1000",     "--idle-timeout",
                                 "300",      "--fin-wait-2-timeout",
                                 "30"};
  std::vector<char*> argv;
  for (auto& word : words) {
    argv.push_back(word.data());
  }
  const auto options =
      tcpstate::cli::parse_command_line(static_cast<int>(argv.size()), argv.data());
  CHECK(options.analysis.max_connections == 1000);
  CHECK(options.analysis.idle_timeout == 300 * tcpstate::k_ns_per_second);
  CHECK(options.analysis.fin_wait_2_timeout == 30 * tcpstate::k_ns_per_second);
}

TEST_CASE("cli options: live capture") {
  SUBCASE("-i alone gives the live defaults; the filter words stay the filter") {
    const Options options = parse({"-i", "eth0", "tcp", "port", "443"});
    CHECK(options.inputs.empty());
    CHECK(options.live.interface == "eth0");
    CHECK(options.filter == "tcp port 443");
    CHECK(options.live.snaplen == 200);
    CHECK(options.live.buffer_size_kib == 0);
    CHECK(options.live.promiscuous);
    CHECK(options.live.count == 0);
    CHECK(options.live.duration == 0);
    CHECK(options.live.interval == 0);
    CHECK(options.live.write_file.empty());
    CHECK(options.live.user.empty());
  }
  SUBCASE("every live option") {
    const Options options =
        parse({"--interface=any", "-s", "0", "-B", "4096", "-p", "-c", "10", "--duration", "2.5",
               "-w", "out.pcap", "-Z", "nobody", "--interval", "10"});
    CHECK(options.live.interface == "any");
    CHECK(options.live.snaplen == 0);
    CHECK(options.live.buffer_size_kib == 4096);
    CHECK_FALSE(options.live.promiscuous);
    CHECK(options.live.count == 10);
    CHECK(options.live.duration == tcpstate::seconds_to_ns(2.5));
    CHECK(options.live.write_file == "out.pcap");
    CHECK(options.live.user == "nobody");
    CHECK(options.live.interval == 10 * k_ns_per_second);
  }
  SUBCASE("-D needs nothing else") {
    CHECK(parse({"-D"}).live.list_interfaces);
  }
  SUBCASE("bad values and combinations are usage errors naming the option") {
    CHECK(usage_error({"-i", "lo", "-r", "f.pcap"}).find("--interface") != std::string::npos);
    CHECK(usage_error({"-r", "f.pcap", "-w", "out.pcap"}).find("--write") != std::string::npos);
    CHECK(usage_error({"-i", "lo", "-c", "0"}) ==
          "--count: '0' is out of range: from 1 to 9223372036854775807 packets");
    CHECK(usage_error({"-i", "lo", "-c", "ten"}) == "--count: 'ten' is not a whole number");
    CHECK(usage_error({"-i", "lo", "-s", "262145"}) ==
          "--snaplen: '262145' is out of range: from 0 to 262144 bytes");
    CHECK(usage_error({"-i", "lo", "-B", "0"}) ==
          "--buffer-size: '0' is out of range: from 1 to 2097151 KiB");
    CHECK(usage_error({"-i", "lo", "--duration", "0"}) ==
          "--duration: '0' is not a positive number of seconds");
    CHECK(usage_error({"-i", "lo", "-w", "-"}).find("standard output") != std::string::npos);
  }
}

TEST_CASE("cli options: the diagnosis' thresholds and --fail-on") {
  const Options defaults = parse({"-r", "f"});
  CHECK_FALSE(defaults.fail_on.has_value());
  CHECK(defaults.diagnosis.time_wait_threshold == 1000);
  CHECK(defaults.diagnosis.port_range_low == 32768);
  CHECK(defaults.diagnosis.port_range_high == 60999);
  CHECK(defaults.diagnosis.port_range_size() == 28232);
  CHECK(defaults.diagnosis.port_pressure_percent == 50);
  CHECK(defaults.diagnosis.min_connections == 5);
  CHECK(defaults.diagnosis.min_percent == 10);

  const Options set = parse({"-r", "f", "--fail-on", "warning", "--time-wait-threshold", "200",
                             "--port-range", "40000-40255", "--port-pressure", "75",
                             "--finding-min-connections", "2", "--finding-min-percent", "30"});
  REQUIRE(set.fail_on.has_value());
  CHECK(*set.fail_on == tcpstate::anomaly::Severity::warning);
  CHECK(set.diagnosis.time_wait_threshold == 200);
  CHECK(set.diagnosis.port_range_size() == 256);
  CHECK(set.diagnosis.port_pressure_percent == 75);
  CHECK(set.diagnosis.min_connections == 2);
  CHECK(set.diagnosis.min_percent == 30);

  CHECK(usage_error({"-r", "f", "--fail-on", "fatal"}) ==
        "--fail-on: 'fatal' is not one of info, warning, error");
  CHECK(usage_error({"-r", "f", "--port-range", "40000"}) ==
        "--port-range: '40000' is not LOW-HIGH, two port numbers");
  CHECK(usage_error({"-r", "f", "--port-range", "50000-40000"}) ==
        "--port-range: '50000-40000' is out of range: LOW must not be above HIGH");
  CHECK(usage_error({"-r", "f", "--port-range", "0-100"}) ==
        "--port-range: '0' is out of range: from 1 to 65535 (port numbers)");
  CHECK(usage_error({"-r", "f", "--port-pressure", "101"}) ==
        "--port-pressure: '101' is out of range: from 1 to 100 percent");
  CHECK(usage_error({"-r", "f", "--finding-min-percent", "x"}) ==
        "--finding-min-percent: 'x' is not a whole number");
  CHECK(usage_error({"-r", "f", "--time-wait-threshold", "0"}) ==
        "--time-wait-threshold: '0' is out of range: from 1 to 4294967295 sockets");
  CHECK(usage_error({"-r", "f", "--finding-min-connections", "0"}) ==
        "--finding-min-connections: '0' is out of range: from 1 to 4294967295 connections");
}
