#include "selection_command_line.hpp"

#include "tcpstate/util/fatal.hpp"

namespace tcpstate::cli {
namespace {

constexpr const char* k_selection_group = "Selection (after decoding, inside tunnels too)";

[[noreturn]] void usage(const std::string& message) {
  throw Fatal(ExitCode::usage, message);
}

} // namespace

void describe_selection(CLI::App& app, SelectionWords& words) {
  app.add_option("--conn", words.conn,
                 "Show one connection in every view: its conn_id,\n"
                 "or ADDR:PORT-ADDR:PORT (IPv6 in [ ])")
      ->type_name("ID")
      ->allow_extra_args(false)
      ->group(k_selection_group);
  app.add_option("--at", words.at,
                 "Every view as of TIME: the connections alive\n"
                 "then, in their states then. ISO time (UTC\n"
                 "unless a zone is given), HH:MM:SS on the\n"
                 "capture's day, or seconds from its start")
      ->type_name("TIME")
      ->allow_extra_args(false)
      ->group(k_selection_group);
}

namespace {

void convert_at(const std::string& text, Options& options) {
  const std::string reason = parse_at_time(text, options.at);
  if (!reason.empty()) {
    usage("--at: '" + text + "': " + reason);
  }
  if (!options.live.interface.empty()) {
    usage("--at: reads capture files (-r), not a live capture");
  }
  if (options.pictures.follow.enabled) {
    usage("--at: does not combine with --follow (the ladder shows every moment)");
  }
  if (!options.pictures.report_path.empty()) {
    usage("--at: does not combine with --report");
  }
  if (options.live.interval > 0) {
    usage("--at: does not combine with --interval");
  }
}

} // namespace

void convert_selection(const SelectionWords& words, Options& options) {
  if (words.at) {
    convert_at(*words.at, options);
  }
  if (!words.conn) {
    return;
  }
  if (!parse_connection_target(*words.conn, options.selected)) {
    throw Fatal(ExitCode::usage, "--conn: '" + *words.conn +
                                     "' is not a conn_id or ADDR:PORT-ADDR:PORT (IPv6 as "
                                     "[::1]:80-[::1]:8080)");
  }
}

} // namespace tcpstate::cli
