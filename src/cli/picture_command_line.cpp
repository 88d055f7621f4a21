#include "picture_command_line.hpp"

#include "tcpstate/util/fatal.hpp"

#include <string_view>

namespace tcpstate::cli {
namespace {

constexpr const char* k_picture_group = "Pictures";

[[noreturn]] void usage(const std::string& message) {
  throw Fatal(ExitCode::usage, message);
}

} // namespace

void describe_pictures(CLI::App& app, PictureWords& words) {
  app.add_option("--follow", words.follow,
                 "Draw one connection as a ladder diagram: its\n"
                 "conn_id, or ADDR:PORT-ADDR:PORT (IPv6 in [ ])")
      ->type_name("ID")
      ->allow_extra_args(false)
      ->group(k_picture_group);
  app.add_option("--report", words.report,
                 "Also write a self-contained HTML report: state\n"
                 "chart, anomalies with ladders, servers, skips")
      ->type_name("FILE")
      ->allow_extra_args(false)
      ->group(k_picture_group);
  app.add_option("--color", words.color,
                 "Colour for --follow and anomalous table rows:\n"
                 "auto (default: on a terminal without NO_COLOR),\n"
                 "always, never")
      ->type_name("WHEN")
      ->allow_extra_args(false)
      ->group(k_picture_group);
}

void convert_pictures(const PictureWords& words, Options& options) {
  PictureOptions& pictures = options.pictures;
  if (words.color == "auto") {
    pictures.color = ColorMode::automatic;
  } else if (words.color == "always") {
    pictures.color = ColorMode::always;
  } else if (words.color == "never") {
    pictures.color = ColorMode::never;
  } else {
    usage("--color: '" + words.color + "' is not one of auto, always, never");
  }
  const bool live = !options.live.interface.empty();
  if (words.follow) {
    if (!parse_connection_target(*words.follow, pictures.follow)) {
      usage("--follow: '" + *words.follow +
            "' is not a conn_id or ADDR:PORT-ADDR:PORT (IPv6 as [::1]:80-[::1]:8080)");
    }
    if (live) {
      usage("--follow: reads capture files (-r), not a live capture");
    }
    if (options.output.view != sink::View::connections ||
        options.output.format != sink::Format::table) {
      usage("--follow: draws a ladder; it does not combine with --summary, --events, "
            "--anomalies-only or --format");
    }
    if (words.report) {
      usage("--follow: does not combine with --report");
    }
    if (options.live.interval > 0) {
      usage("--follow: does not combine with --interval");
    }
  }
  if (words.report) {
    if (words.report->empty() || *words.report == "-") {
      usage("--report: give a file name; standard output carries the usual output");
    }
    if (live) {
      usage("--report: reads capture files (-r), not a live capture");
    }
    pictures.report_path = *words.report;
  }
}

} // namespace tcpstate::cli
