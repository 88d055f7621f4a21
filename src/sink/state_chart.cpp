#include "state_chart.hpp"

#include "html_text.hpp"
#include "text_format.hpp"

#include <algorithm>
#include <array>
#include <string_view>
#include <vector>

namespace tcpstate::sink {
namespace {

constexpr std::size_t k_states = conn::k_tcp_state_count;

// One colour per state, in TcpState order: greys for the closed ones, green for
// ESTABLISHED, warm colours for the states a leak or a lost packet leaves behind.
constexpr std::array<std::string_view, k_states> k_state_colors{
    "#9e9e9e", "#cfcfcf", "#90caf9", "#ffb74d", "#43a047", "#4dd0e1",
    "#00897b", "#e53935", "#ab47bc", "#ff7043", "#5c6bc0"};

conn::TcpState state_at(std::size_t i) {
  return static_cast<conn::TcpState>(i);
}

constexpr double k_chart_width = 1100;
constexpr double k_chart_height = 190;
constexpr double k_chart_left = 56;
constexpr double k_chart_right = 10;
constexpr double k_chart_top = 8;
constexpr double k_chart_bottom = 22;

struct ChartPoint {
  double x = 0;
  std::array<std::uint64_t, k_states> counts{};
};

std::vector<ChartPoint> chart_points(const HtmlReportData& data, std::size_t side) {
  const CaptureStats& capture = data.summary->capture;
  const double span =
      std::max<double>(1.0, static_cast<double>(capture.last_packet - capture.first_packet));
  const double plot = k_chart_width - k_chart_left - k_chart_right;
  std::vector<ChartPoint> points;
  points.reserve(data.samples.size() + 1);
  points.push_back({k_chart_left, {}}); // nothing is held before the first packet
  for (const ReportSample& sample : data.samples) {
    const double at = static_cast<double>(sample.time - capture.first_packet) / span;
    points.push_back({k_chart_left + std::clamp(at, 0.0, 1.0) * plot, sample.states[side]});
  }
  return points;
}

void append_state_chart(std::string& out, const HtmlReportData& data, conn::Side side) {
  const std::size_t index = static_cast<std::size_t>(side);
  const std::vector<ChartPoint> points = chart_points(data, index);
  std::uint64_t top = 1;
  std::array<bool, k_states> used{};
  for (const ChartPoint& point : points) {
    std::uint64_t total = 0;
    for (std::size_t s = 0; s < k_states; ++s) {
      total += point.counts[s];
      used[s] = used[s] || point.counts[s] > 0;
    }
    top = std::max(top, total);
  }
  const double plot_height = k_chart_height - k_chart_top - k_chart_bottom;
  const auto y_of = [&](std::uint64_t value) {
    return k_chart_top +
           plot_height * (1.0 - static_cast<double>(value) / static_cast<double>(top));
  };

  out += "<svg class=\"state-chart\" data-side=\"";
  out += conn::side_name(side);
  out += "\" viewBox=\"0 0 ";
  append_fixed(out, k_chart_width, 0);
  out += ' ';
  append_fixed(out, k_chart_height, 0);
  out += "\" role=\"img\" aria-label=\"";
  out += conn::side_name(side);
  out += " endpoints per state over the capture\">";
  // Axes and labels.
  const double bottom = k_chart_height - k_chart_bottom;
  out += "<g stroke=\"#c5cad3\" stroke-width=\"1\"><line x1=\"";
  append_fixed(out, k_chart_left, 0);
  out += "\" y1=\"";
  append_fixed(out, bottom, 1);
  out += "\" x2=\"";
  append_fixed(out, k_chart_width - k_chart_right, 0);
  out += "\" y2=\"";
  append_fixed(out, bottom, 1);
  out += "\"/><line x1=\"";
  append_fixed(out, k_chart_left, 0);
  out += "\" y1=\"";
  append_fixed(out, k_chart_top, 1);
  out += "\" x2=\"";
  append_fixed(out, k_chart_left, 0);
  out += "\" y2=\"";
  append_fixed(out, bottom, 1);
  out += "\"/></g><g font-size=\"11\" fill=\"#5b6475\" font-family=\"sans-serif\">";
  out += "<text x=\"";
  append_fixed(out, k_chart_left - 4, 0);
  out += "\" y=\"";
  append_fixed(out, k_chart_top + 9, 0);
  out += "\" text-anchor=\"end\">";
  append_uint(out, top);
  out += "</text><text x=\"";
  append_fixed(out, k_chart_left - 4, 0);
  out += "\" y=\"";
  append_fixed(out, bottom, 0);
  out += "\" text-anchor=\"end\">0</text>";
  const CaptureStats& capture = data.summary->capture;
  const TimeNs span = capture.last_packet - capture.first_packet;
  for (int i = 0; i <= 4; ++i) {
    const double fraction = i / 4.0;
    out += "<text x=\"";
    append_fixed(out, k_chart_left + fraction * (k_chart_width - k_chart_left - k_chart_right), 1);
    out += "\" y=\"";
    append_fixed(out, k_chart_height - 6, 0);
    out += "\" text-anchor=\"";
    out += i == 0 ? "start" : (i == 4 ? "end" : "middle");
    out += "\">";
    append_fixed(out, ns_to_seconds(span) * fraction, 3);
    out += " s</text>";
  }
  out += "</g>";

  // One band per state, stacked in TcpState order.
  std::vector<std::uint64_t> below(points.size(), 0);
  for (std::size_t s = 0; s < k_states; ++s) {
    if (!used[s]) {
      continue;
    }
    out += "<path class=\"band\" data-state=\"";
    out += conn::state_name(state_at(s));
    out += "\" fill=\"";
    out += k_state_colors[s];
    out += "\" d=\"M";
    for (std::size_t p = 0; p < points.size(); ++p) {
      if (p > 0) {
        out += 'L';
      }
      append_fixed(out, points[p].x, 1);
      out += ',';
      append_fixed(out, y_of(below[p] + points[p].counts[s]), 1);
    }
    for (std::size_t p = points.size(); p-- > 0;) {
      out += 'L';
      append_fixed(out, points[p].x, 1);
      out += ',';
      append_fixed(out, y_of(below[p]), 1);
    }
    out += "Z\"><title>";
    out += conn::state_name(state_at(s));
    out += "</title></path>";
    for (std::size_t p = 0; p < points.size(); ++p) {
      below[p] += points[p].counts[s];
    }
  }
  out += "</svg>";
}

void append_chart_data(std::string& out, const HtmlReportData& data) {
  const std::vector<ChartPoint> client = chart_points(data, 0);
  out += "<script type=\"application/json\" id=\"chart-data\">{\"width\":";
  append_fixed(out, k_chart_width, 0);
  out += ",\"interval_s\":";
  append_exact_seconds(out, data.sample_interval);
  out += ",\"states\":[";
  for (std::size_t s = 0; s < k_states; ++s) {
    out += s == 0 ? "\"" : ",\"";
    out += conn::state_name(state_at(s));
    out += '"';
  }
  // The samples (the origin point of the chart is not one).
  out += "],\"x\":[";
  for (std::size_t p = 1; p < client.size(); ++p) {
    if (p > 1) {
      out += ',';
    }
    append_fixed(out, client[p].x, 1);
  }
  out += "],\"time\":[";
  for (std::size_t i = 0; i < data.samples.size(); ++i) {
    out += i == 0 ? "\"" : ",\"";
    append_iso(out, data.samples[i].time);
    out += '"';
  }
  out += "],\"elapsed\":[";
  for (std::size_t i = 0; i < data.samples.size(); ++i) {
    if (i > 0) {
      out += ',';
    }
    append_seconds(out, data.samples[i].time - data.summary->capture.first_packet);
  }
  out += ']';
  for (const conn::Side side : {conn::Side::client, conn::Side::server}) {
    out += ",\"";
    out += conn::side_name(side);
    out += "\":[";
    for (std::size_t i = 0; i < data.samples.size(); ++i) {
      out += i == 0 ? "[" : ",[";
      const auto& counts = data.samples[i].states[static_cast<std::size_t>(side)];
      for (std::size_t s = 0; s < k_states; ++s) {
        if (s > 0) {
          out += ',';
        }
        append_uint(out, counts[s]);
      }
      out += ']';
    }
    out += ']';
  }
  out += "}</script>";
}

} // namespace

void append_charts(std::string& out, const HtmlReportData& data) {
  out += "<h2>Endpoints per state over the capture</h2>";
  if (data.samples.empty()) {
    out += "<p class=\"more\">No packets: nothing to draw.</p>";
    return;
  }
  out += "<p class=\"sub\">Endpoints of the connections held, per state, sampled every ";
  append_exact_seconds(out, data.sample_interval);
  out += " s of capture time (";
  append_uint(out, data.samples.size());
  out += " samples, the last at the capture's end); the same rows as "
         "<code>--summary --interval ";
  append_exact_seconds(out, data.sample_interval);
  out += "</code>. Hover for the numbers.</p>";
  out += "<div class=\"legend\">";
  for (std::size_t s = 0; s < k_states; ++s) {
    out += "<span><i style=\"background:";
    out += k_state_colors[s];
    out += "\"></i>";
    out += conn::state_name(state_at(s));
    out += "</span>";
  }
  out += "</div>";
  for (const conn::Side side : {conn::Side::client, conn::Side::server}) {
    out += "<div class=\"panel\"><b>";
    out += side == conn::Side::client ? "Clients" : "Servers";
    out += "</b>";
    append_state_chart(out, data, side);
    out += "<div class=\"cap\" id=\"cap-";
    out += conn::side_name(side);
    out += "\"></div></div>";
  }
  append_chart_data(out, data);
}

} // namespace tcpstate::sink
