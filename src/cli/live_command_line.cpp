#include "live_command_line.hpp"
#include "option_values.hpp"

#include "tcpstate/util/fatal.hpp"

#include <charconv>
#include <cstdint>
#include <string_view>
#include <system_error>

namespace tcpstate::cli {
namespace {

constexpr const char* k_live_group = "Live capture (tcpstate -i IFACE)";

// A kernel buffer of 2 GiB is already far beyond need; the limit keeps bytes in an int.
constexpr std::int64_t k_max_buffer_kib = 2'097'151;

} // namespace

void describe_live(CLI::App& app, LiveWords& words, CLI::Option* read) {
  CLI::Option* const interface = app.add_option("-i,--interface", words.interface,
                                                "Capture live on IFACE ('any': all of them; a\n"
                                                "number: that line of -D) until SIGINT/SIGTERM")
                                     ->type_name("IFACE")
                                     ->allow_extra_args(false)
                                     ->group(k_live_group);
  interface->excludes(read);
  app.add_flag("-D,--list-interfaces", words.list_interfaces,
               "List the interfaces -i can capture on, and exit")
      ->group(k_live_group);
  const auto live_only = [&](CLI::Option* option) {
    option->needs(interface)->allow_extra_args(false)->group(k_live_group);
  };
  live_only(app.add_option("-s,--snaplen", words.snaplen,
                           "Bytes kept of each packet (default 200: the\n"
                           "headers; 0: whole packets)")
                ->type_name("BYTES"));
  live_only(app.add_option("-B,--buffer-size", words.buffer_size,
                           "Kernel capture buffer in KiB (default 2048)")
                ->type_name("KIB"));
  live_only(app.add_flag("-p,--no-promiscuous-mode", words.no_promiscuous,
                         "Do not put the interface in promiscuous mode"));
  // As tcpdump -c, for files too: the first N packets that pass the filter.
  app.add_option("-c,--count", words.count,
                 "Stop after N packets that pass the filter (with\n"
                 "-r: read only the first N)")
      ->type_name("N")
      ->allow_extra_args(false)
      ->group("Input");
  live_only(
      app.add_option("--duration", words.duration, "Stop after SECONDS")->type_name("SECONDS"));
  live_only(app.add_option("-w,--write", words.write_file,
                           "Also save the packets to FILE (pcap, -s bytes\n"
                           "of each), as tcpdump -w")
                ->type_name("FILE"));
  live_only(app.add_option("--fanout", words.fanout,
                           "Capture with N workers, each a whole analysis,\n"
                           "fed by the kernel's PACKET_FANOUT flow hash")
                ->type_name("N"));
  live_only(app.add_option("-Z,--relinquish-privileges", words.user,
                           "Switch to USER once the capture is open")
                ->type_name("USER"));
}

void convert_live(const LiveWords& words, Options& options) {
  LiveOptions& live = options.live;
  live.list_interfaces = words.list_interfaces;
  if (live.list_interfaces) {
    return; // -D lists and exits; nothing else matters
  }
  if (words.interface) {
    if (words.interface->empty()) {
      throw Fatal(ExitCode::usage, "--interface: the interface name is empty");
    }
    live.interface = *words.interface;
  } else if (options.inputs.empty()) {
    throw Fatal(ExitCode::usage, "--read or --interface is required");
  }
  live.promiscuous = !words.no_promiscuous;
  if (words.snaplen) {
    live.snaplen = static_cast<int>(
        parse_whole("--snaplen", *words.snaplen, 0, source::k_max_snaplen, "bytes"));
  }
  if (words.buffer_size) {
    live.buffer_size_kib = static_cast<int>(
        parse_whole("--buffer-size", *words.buffer_size, 1, k_max_buffer_kib, "KiB"));
  }
  if (words.count) {
    live.count =
        static_cast<std::uint64_t>(parse_whole("--count", *words.count, 1, INT64_MAX, "packets"));
  }
  if (words.duration) {
    live.duration = parse_seconds("--duration", *words.duration);
  }
  if (words.interval) {
    live.interval = parse_seconds("--interval", *words.interval);
  }
  if (words.write_file) {
    if (words.write_file->empty() || *words.write_file == "-") {
      throw Fatal(ExitCode::usage, "--write: give a file name; standard output carries the report");
    }
    live.write_file = *words.write_file;
  }
  if (words.fanout) {
    live.fanout =
        static_cast<int>(parse_whole("--fanout", *words.fanout, 1, k_max_fanout, "workers"));
  }
  if (words.user) {
    if (words.user->empty()) {
      throw Fatal(ExitCode::usage, "--relinquish-privileges: the user name is empty");
    }
    live.user = *words.user;
  }
}

} // namespace tcpstate::cli
