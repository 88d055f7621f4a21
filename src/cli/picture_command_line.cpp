#include "picture_command_line.hpp"

#include "tcpstate/util/fatal.hpp"

#include <charconv>
#include <string_view>
#include <system_error>

namespace tcpstate::cli {
namespace {

constexpr const char* k_picture_group = "Pictures";

[[noreturn]] void usage(const std::string& message) {
  throw Fatal(ExitCode::usage, message);
}

// "10.0.0.1:80" or "[2001:db8::1]:443".
bool parse_end(std::string_view text, IpAddress& address, std::uint16_t& port) {
  std::string_view host;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return false;
    }
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) {
      return false; // IPv6 needs its brackets
    }
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  unsigned value = 0;
  const char* const end = port_text.data() + port_text.size();
  const auto [ptr, ec] = std::from_chars(port_text.data(), end, value);
  if (port_text.empty() || ec != std::errc{} || ptr != end || value > 65535) {
    return false;
  }
  port = static_cast<std::uint16_t>(value);
  return IpAddress::parse(std::string(host), address);
}

} // namespace

bool parse_follow_target(const std::string& text, FollowTarget& target) {
  target = FollowTarget{};
  target.text = text;
  std::uint64_t id = 0;
  const char* const end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, id);
  if (!text.empty() && ec == std::errc{} && ptr == end) {
    if (id == 0) {
      return false;
    }
    target.enabled = true;
    target.conn_id = id;
    return true;
  }
  // The dash between the ends: the one after the first end's port.
  const std::string_view all{text};
  const std::size_t start = all.starts_with('[') ? all.find(']') : 0;
  if (start == std::string_view::npos) {
    return false;
  }
  const std::size_t dash = all.find('-', start);
  if (dash == std::string_view::npos ||
      !parse_end(all.substr(0, dash), target.address_a, target.port_a) ||
      !parse_end(all.substr(dash + 1), target.address_b, target.port_b)) {
    return false;
  }
  target.enabled = true;
  target.by_tuple = true;
  return true;
}

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
                 "Colour for --follow: auto (default: on a\n"
                 "terminal without NO_COLOR), always, never")
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
    if (!parse_follow_target(*words.follow, pictures.follow)) {
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
