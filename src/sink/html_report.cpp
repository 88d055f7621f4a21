#include "html_report.hpp"

#include "report_text.hpp"
#include "text_format.hpp"

#include "tcpstate/decode/skip_reason.hpp"
#include "tcpstate/decode/tcp_segment.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <map>
#include <string_view>
#include <utility>

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

void escape(std::string& out, std::string_view text) {
  for (const char c : text) {
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    case '\'':
      out += "&#39;";
      break;
    default:
      out.push_back(c);
    }
  }
}

void append_fixed(std::string& out, double value, int precision) {
  std::array<char, 64> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value,
                                    std::chars_format::fixed, precision);
  out.append(buffer.data(), result.ptr);
}

void append_seconds(std::string& out, TimeNs ns) {
  append_duration(out, ns);
}

// The shortest decimal that reads back as the same number of seconds: the sampling
// interval, which --interval must be able to repeat exactly.
void append_exact_seconds(std::string& out, TimeNs ns) {
  std::array<char, 64> buffer{};
  const auto result =
      std::to_chars(buffer.data(), buffer.data() + buffer.size(), ns_to_seconds(ns));
  out.append(buffer.data(), result.ptr);
}

void append_iso(std::string& out, TimeNs time) {
  TimeFormatter().append(out, time);
}

void append_endpoint_html(std::string& out, const IpAddress& address, std::uint16_t port) {
  std::string text;
  append_endpoint(text, address, port);
  escape(out, text);
}

std::string_view severity_class(anomaly::Severity severity) {
  switch (severity) {
  case anomaly::Severity::error:
    return "sev-error";
  case anomaly::Severity::warning:
    return "sev-warning";
  case anomaly::Severity::info:
    break;
  }
  return "sev-info";
}

// ---- page parts ----

constexpr std::string_view k_style = R"(
:root{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d2330;background:#f6f7f9}
body{margin:0 auto;max-width:1280px;padding:16px 24px 48px}
h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.15rem;margin:1.6rem 0 .5rem;border-bottom:1px solid #d8dce3;padding-bottom:.2rem}
.sub{color:#5b6475;font-size:.9rem}
.figs{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}
.fig{background:#fff;border:1px solid #dfe3ea;border-radius:8px;padding:8px 14px;min-width:120px}
.fig dt{font-size:.75rem;color:#5b6475;text-transform:uppercase;letter-spacing:.04em}
.fig dd{margin:0;font-size:1.35rem;font-weight:600}
.fig.bad dd{color:#c62828}
.panel{background:#fff;border:1px solid #dfe3ea;border-radius:8px;padding:10px 12px;margin:8px 0}
svg.state-chart{width:100%;height:auto;display:block}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:.8rem;margin:4px 0}
.legend i{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:4px;vertical-align:-1px}
.cap{font-size:.8rem;color:#3a4252;min-height:1.2em;font-variant-numeric:tabular-nums}
table{border-collapse:collapse;width:100%;font-size:.82rem;background:#fff}
th,td{border-bottom:1px solid #e6e9ef;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#eef1f5;position:sticky;top:0}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
tr.anomaly-row{cursor:pointer}tr.anomaly-row td:nth-child(2){white-space:nowrap}tr.anomaly-row:hover{background:#f3f6fb}
tr.anomaly-row td:first-child::before{content:"\25B8 ";color:#8a93a3}
tr.anomaly-row[aria-expanded=true] td:first-child::before{content:"\25BE "}
.tag{display:inline-block;border-radius:4px;padding:0 5px;margin:1px 2px 1px 0;font-size:.75rem;font-weight:600}
.sev-error{background:#fde0e0;color:#a31515}.sev-warning{background:#fff1d6;color:#8a5300}.sev-info{background:#e3eefc;color:#1f4f8f}
.ev{color:#3a4252}.ev b{font-weight:600}
.more{color:#5b6475;font-style:italic;margin:6px 0}
tr.ladder-row>td{background:#fbfcfd;padding:8px}
svg.ladder{display:block;max-width:100%;height:auto;font:11px ui-monospace,Menlo,Consolas,monospace}
svg.ladder .ax{stroke:#9aa3b2;stroke-width:2}
svg.ladder .c{stroke:#1e6fd0;marker-end:url(#ah-c)}svg.ladder .s{stroke:#8e3ab8;marker-end:url(#ah-s)}
svg.ladder .r{stroke:#d32f2f;marker-end:url(#ah-r)}
svg.ladder .l{text-anchor:middle;paint-order:stroke;stroke:#fbfcfd;stroke-width:3px;fill:#1d2330}
svg.ladder .st{fill:#2e7d32;font-weight:600}svg.ladder .st.e{text-anchor:end}
svg.ladder .m{fill:#6b7385}svg.ladder .v{fill:#c62828;font-weight:600}svg.ladder .nt{fill:#8a5300}
svg.ladder .h{font-weight:700;fill:#1d2330}
#js-errors{color:#b00020;white-space:pre-wrap}
)";

constexpr std::string_view k_error_hook =
    "window.tcpstateErrors=[];window.onerror=function(m,s,l){window.tcpstateErrors.push(m+' "
    "(line '+l+')');var e=document.getElementById('js-errors');if(e){e.textContent=window."
    "tcpstateErrors.join('\\n');e.hidden=false}};";

constexpr std::string_view k_script = R"(
(function(){
document.querySelectorAll('tr.anomaly-row').forEach(function(r){
 function t(){var n=r.nextElementSibling;if(!n||!n.classList.contains('ladder-row'))return;
  n.hidden=!n.hidden;r.setAttribute('aria-expanded',String(!n.hidden));}
 r.addEventListener('click',t);
 r.addEventListener('keydown',function(e){if(e.key==='Enter'||e.key===' '){e.preventDefault();t();}});
});
var el=document.getElementById('chart-data');
if(el){var D=JSON.parse(el.textContent);
 document.querySelectorAll('svg.state-chart').forEach(function(svg){
  var side=svg.getAttribute('data-side'),cap=document.getElementById('cap-'+side),rows=D[side];
  svg.addEventListener('mousemove',function(e){
   var b=svg.getBoundingClientRect(),x=(e.clientX-b.left)/b.width*D.width,best=0,bd=1e9;
   for(var i=0;i<D.x.length;i++){var d=Math.abs(D.x[i]-x);if(d<bd){bd=d;best=i;}}
   var parts=[];rows[best].forEach(function(v,k){if(v>0)parts.push(D.states[k]+' '+v);});
   cap.textContent=D.time[best]+' (+'+D.elapsed[best]+' s): '+(parts.length?parts.join(', '):'no connections held');
  });
 });
}
document.body.setAttribute('data-ready','1');
})();
)";

void append_figure(std::string& out, std::string_view key, std::string_view label,
                   std::string_view value, bool bad = false) {
  out += bad ? "<div class=\"fig bad\">" : "<div class=\"fig\">";
  out += "<dt>";
  out += label;
  out += "</dt><dd data-key=\"";
  out += key;
  out += "\">";
  out += value;
  out += "</dd></div>";
}

std::string uint_text(std::uint64_t value) {
  std::string text;
  append_uint(text, value);
  return text;
}

void append_headline(std::string& out, const HtmlReportData& data) {
  const Summary& summary = *data.summary;
  const CaptureStats& capture = summary.capture;
  out += "<dl class=\"figs\" id=\"headline\">";
  append_figure(out, "packets", "packets", uint_text(capture.packets_read));
  append_figure(out, "tcp_segments", "TCP segments", uint_text(capture.tcp_segments));
  append_figure(out, "connections", "connections", uint_text(summary.connections));
  append_figure(out, "connections_with_anomalies", "with anomalies",
                uint_text(summary.connections_with_anomalies),
                summary.connections_with_anomalies > 0);
  std::string span;
  if (capture.packets_read > 0) {
    append_seconds(span, capture.last_packet - capture.first_packet);
    span += " s";
  } else {
    span = "-";
  }
  append_figure(out, "span", "span", span);
  out += "</dl>";
  if (capture.packets_read > 0) {
    out += "<p class=\"sub\">From ";
    append_iso(out, capture.first_packet);
    out += " to ";
    append_iso(out, capture.last_packet);
    out += ".";
    bool any = false;
    for (std::size_t i = 0; i < anomaly::k_anomaly_count; ++i) {
      if (summary.anomalies[i] == 0) {
        continue;
      }
      out += any ? ", " : " Anomalies: ";
      any = true;
      const auto id = static_cast<anomaly::Anomaly>(i);
      out += "<span class=\"tag ";
      out += severity_class(anomaly::info(id).severity);
      out += "\" data-anomaly=\"";
      out += anomaly::name(id);
      out += "\" data-count=\"";
      append_uint(out, summary.anomalies[i]);
      out += "\">";
      out += anomaly::name(id);
      out += " ";
      append_uint(out, summary.anomalies[i]);
      out += "</span>";
    }
    out += "</p>";
  }
}

// ---- the state chart ----

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

// ---- the anomaly table ----

void append_anomaly_tags(std::string& out, anomaly::AnomalySet set) {
  for (std::size_t i = 0; i < anomaly::k_anomaly_count; ++i) {
    const auto id = static_cast<anomaly::Anomaly>(i);
    if (set.has(id)) {
      out += "<span class=\"tag ";
      out += severity_class(anomaly::info(id).severity);
      out += "\">";
      out += anomaly::name(id);
      out += "</span>";
    }
  }
}

void append_anomalies(std::string& out, const HtmlReportData& data) {
  const std::uint64_t total = data.summary->connections_with_anomalies;
  out += "<h2>Anomalous connections</h2>";
  if (data.anomalies.empty()) {
    out += "<p class=\"more\" id=\"no-anomalies\">No connection has an anomaly.</p>";
    return;
  }
  out += "<p class=\"sub\">Worst first (severity, then kind, then number of anomalies). Click a "
         "row for "
         "its ladder: client on the left, server on the right, one arrow per packet, each "
         "endpoint's state where it changed. ";
  escape(out, data.ladder_note);
  out += "</p>";
  std::map<std::uint64_t, const Ladder*> ladders;
  for (const Ladder& ladder : data.ladders) {
    ladders.emplace(ladder.conn_id, &ladder);
  }
  out += "<table id=\"anomaly-table\"><thead><tr><th>conn</th><th>first seen</th><th>client"
         "</th><th>server</th><th>anomalies</th><th>states at end</th><th>close</th><th>evidence"
         "</th></tr></thead><tbody>";
  bool first_ladder = true;
  for (const AnomalyRow& row : data.anomalies) {
    const auto found = ladders.find(row.conn_id);
    const bool open = found != ladders.end() && first_ladder;
    out += "<tr class=\"anomaly-row\" tabindex=\"0\" data-conn-id=\"";
    append_uint(out, row.conn_id);
    out += "\" data-anomalies=\"";
    append_anomaly_names(out, row.anomalies, ";");
    out += "\" aria-expanded=\"";
    out += open ? "true" : "false";
    out += "\"><td class=\"n\">";
    append_uint(out, row.conn_id);
    out += "</td><td title=\"";
    append_iso(out, row.first_seen);
    out += "\">+";
    append_seconds(out, row.first_seen - data.summary->capture.first_packet);
    out += " s</td><td>";
    append_endpoint_html(out, row.endpoints[0].address, row.endpoints[0].port);
    out += "</td><td>";
    append_endpoint_html(out, row.endpoints[1].address, row.endpoints[1].port);
    out += "</td><td>";
    append_anomaly_tags(out, row.anomalies);
    out += "</td><td>";
    out += conn::state_name(row.endpoints[0].state);
    out += " / ";
    out += conn::state_name(row.endpoints[1].state);
    out += "</td><td>";
    out += conn::close_kind_name(row.close);
    out += "</td><td class=\"ev\">";
    for (const conn::Evidence& evidence : row.evidence) {
      out += "<div><b>";
      out += anomaly::name(evidence.anomaly);
      out += "</b> packet ";
      append_uint(out, evidence.packet_number);
      out += ": ";
      escape(out, evidence.detail);
      out += "</div>";
    }
    out += "</td></tr><tr class=\"ladder-row\"";
    if (!open) {
      out += " hidden";
    }
    out += "><td colspan=\"8\">";
    if (found != ladders.end()) {
      append_ladder_svg(out, *found->second);
      first_ladder = false;
    } else {
      out += "<p class=\"more\">No ladder for this connection: ";
      escape(out, data.ladder_note);
      out += "</p>";
    }
    out += "</td></tr>";
  }
  out += "</tbody></table>";
  if (total > data.anomalies.size()) {
    out += "<p class=\"more\" id=\"anomalies-more\">";
    append_uint(out, total - data.anomalies.size());
    out += " more anomalous connections not shown (the table keeps the first ";
    append_uint(out, data.anomaly_cap);
    out += " of each kind, by its worst anomaly; <code>--anomalies-only --format csv</code> "
           "lists them all).</p>";
  }
}

// ---- servers and skips ----

void append_servers(std::string& out, const HtmlReportData& data) {
  const Summary& summary = *data.summary;
  out += "<h2>Servers</h2>";
  if (summary.servers.empty()) {
    out += "<p class=\"more\">No server.</p>";
    return;
  }
  std::vector<std::pair<const ServerKey*, const ServerRollup*>> servers;
  servers.reserve(summary.servers.size());
  for (const auto& [key, rollup] : summary.servers) {
    servers.emplace_back(&key, &rollup);
  }
  const auto worse = [](const auto& a, const auto& b) {
    if (a.second->anomalous != b.second->anomalous) {
      return a.second->anomalous > b.second->anomalous;
    }
    if (a.second->connections != b.second->connections) {
      return a.second->connections > b.second->connections;
    }
    return *a.first < *b.first;
  };
  const std::size_t keep = std::min(servers.size(), data.server_cap);
  std::partial_sort(servers.begin(), servers.begin() + static_cast<std::ptrdiff_t>(keep),
                    servers.end(), worse);
  out += "<p class=\"sub\">Most anomalous connections first.</p>";
  out += "<table id=\"server-table\"><thead><tr><th>server</th><th class=\"n\">connections</th>"
         "<th class=\"n\">anomalous</th><th class=\"n\">close_wait_leaks</th><th class=\"n\">"
         "rst_closes</th><th class=\"n\">refused</th><th class=\"n\">syn_received</th><th "
         "class=\"n\">syn_unanswered</th><th class=\"n\">syn_flood</th></tr></thead><tbody>";
  for (std::size_t i = 0; i < keep; ++i) {
    const ServerRollup& r = *servers[i].second;
    out += "<tr><td>";
    append_endpoint_html(out, servers[i].first->address, servers[i].first->port);
    out += "</td>";
    for (const std::uint64_t value : {r.connections, r.anomalous, r.close_wait_leaks, r.rst_closes,
                                      r.refused, r.syn_received, r.syn_unanswered, r.syn_flood}) {
      out += "<td class=\"n\">";
      append_uint(out, value);
      out += "</td>";
    }
    out += "</tr>";
  }
  out += "</tbody></table>";
  if (servers.size() > keep) {
    out += "<p class=\"more\">";
    append_uint(out, servers.size() - keep);
    out += " more servers not shown.</p>";
  }
}

void append_skips(std::string& out, const HtmlReportData& data) {
  const CaptureStats& capture = data.summary->capture;
  out += "<h2>What was skipped, and why</h2><table id=\"skip-table\"><thead><tr><th>what</th>"
         "<th class=\"n\">packets</th></tr></thead><tbody>";
  const auto line = [&](std::string_view what, std::uint64_t count) {
    out += "<tr><td>";
    escape(out, what);
    out += "</td><td class=\"n\">";
    append_uint(out, count);
    out += "</td></tr>";
  };
  line("filtered out by the BPF expression", capture.packets_filtered);
  for (std::size_t i = 0; i < decode::k_skip_reason_count; ++i) {
    if (capture.skipped[i] != 0) {
      line(decode::skip_reason_name(static_cast<decode::SkipReason>(i)), capture.skipped[i]);
    }
  }
  line("analysed with an out-of-order timestamp (at the previous packet's time)",
       capture.timestamps_out_of_order);
  out += "</tbody></table>";
  if (!capture.input_errors.empty()) {
    out += "<p><b>Inputs not read in full:</b></p><ul>";
    for (const std::string& error : capture.input_errors) {
      out += "<li>";
      escape(out, error);
      out += "</li>";
    }
    out += "</ul>";
  }
}

// ---- ladder SVG ----

constexpr int k_ladder_width = 980;
constexpr int k_ladder_client_x = 300;
constexpr int k_ladder_server_x = 760;
constexpr int k_ladder_row = 22;
constexpr int k_ladder_drop = 10;
constexpr int k_ladder_top = 44;
constexpr int k_ladder_verdict_x = 120;
constexpr std::size_t k_ladder_verdict_chars = 125; // 11px monospace from x=120 to the edge

void append_int_attr(std::string& out, std::string_view name, std::int64_t value) {
  out += ' ';
  out += name;
  out += "=\"";
  append_int(out, value);
  out += '"';
}

void append_text(std::string& out, std::string_view css, int x, int y, std::string_view text) {
  out += "<text class=\"";
  out += css;
  out += '"';
  append_int_attr(out, "x", x);
  append_int_attr(out, "y", y);
  out += '>';
  escape(out, text);
  out += "</text>";
}

} // namespace

bool worse_row(const AnomalyRow& a, const AnomalyRow& b) {
  if (a.severity != b.severity) {
    return a.severity > b.severity;
  }
  if (a.primary != b.primary) {
    return a.primary < b.primary;
  }
  const int a_count = std::popcount(a.anomalies.bits());
  const int b_count = std::popcount(b.anomalies.bits());
  if (a_count != b_count) {
    return a_count > b_count;
  }
  return a.conn_id < b.conn_id;
}

AnomalyRow make_anomaly_row(const conn::ConnectionReport& report) {
  AnomalyRow row;
  row.conn_id = report.conn_id;
  row.first_seen = report.first_seen;
  row.last_seen = report.last_seen;
  row.endpoints = report.endpoints;
  row.close = report.close;
  row.closed_by = report.closed_by;
  row.anomalies = report.anomalies;
  row.notes = report.notes;
  for (std::size_t i = 0; i < anomaly::k_anomaly_count; ++i) {
    const auto id = static_cast<anomaly::Anomaly>(i);
    if (report.anomalies.has(id) &&
        (row.primary == anomaly::Anomaly::count || anomaly::info(id).severity > row.severity)) {
      row.severity = anomaly::info(id).severity;
      row.primary = id;
    }
  }
  for (const conn::Evidence& evidence : report.evidence) {
    if (evidence.anomaly != anomaly::Anomaly::count) {
      row.evidence.push_back(evidence);
    }
  }
  return row;
}

void append_ladder_svg(std::string& out, const Ladder& ladder) {
  const std::vector<LadderRow> rows = ladder_rows(ladder);
  std::size_t lines = 0;
  for (const LadderRow& row : rows) {
    lines += 1 + row.verdicts.size();
  }
  const int height = k_ladder_top + static_cast<int>(lines) * k_ladder_row + 24;
  out += "<svg class=\"ladder\" data-conn-id=\"";
  append_uint(out, ladder.conn_id);
  out += "\" data-packets=\"";
  append_uint(out, ladder.packets.size());
  out += "\" viewBox=\"0 0 ";
  append_int(out, k_ladder_width);
  out += ' ';
  append_int(out, height);
  out += "\" width=\"";
  append_int(out, k_ladder_width);
  out += "\" height=\"";
  append_int(out, height);
  out += "\"><defs>";
  for (const auto& [id, color] : {std::pair<std::string_view, std::string_view>{"c", "#1e6fd0"},
                                  {"s", "#8e3ab8"},
                                  {"r", "#d32f2f"}}) {
    out += "<marker id=\"ah-";
    out += id;
    out += "\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" "
           "markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0L10,5L0,10z\" fill=\"";
    out += color;
    out += "\"/></marker>";
  }
  out += "</defs>";
  std::string text;
  text = "client ";
  append_endpoint(text, ladder.client_address, ladder.client_port);
  out += "<text class=\"h\" x=\"";
  append_int(out, k_ladder_client_x);
  out += "\" y=\"16\" text-anchor=\"middle\">";
  escape(out, text);
  out += "</text>";
  text = "server ";
  append_endpoint(text, ladder.server_address, ladder.server_port);
  out += "<text class=\"h\" x=\"";
  append_int(out, k_ladder_server_x);
  out += "\" y=\"16\" text-anchor=\"middle\">";
  escape(out, text);
  out += "</text>";
  append_text(out, "m", 8, 34, "#  time (s)");
  const int axis_bottom = height - 20;
  for (const int x : {k_ladder_client_x, k_ladder_server_x}) {
    out += "<line class=\"ax\"";
    append_int_attr(out, "x1", x);
    append_int_attr(out, "y1", 24);
    append_int_attr(out, "x2", x);
    append_int_attr(out, "y2", axis_bottom);
    out += "/>";
  }

  int y = k_ladder_top;
  bool first = true;
  for (const LadderRow& row : rows) {
    text.clear();
    if (row.packet != nullptr) {
      append_uint(text, row.packet->number);
    }
    append_text(out, "m", 8, y + 4, text);
    text.clear();
    append_duration(text, row.time);
    append_text(out, "m", 62, y + 4, text);
    if (row.packet != nullptr) {
      const bool rightwards = row.packet->from_client;
      const bool reset = (row.packet->flags & decode::tcp_flag::rst) != 0;
      out += "<line class=\"";
      out += reset ? "r" : (rightwards ? "c" : "s");
      out += '"';
      append_int_attr(out, "x1", rightwards ? k_ladder_client_x : k_ladder_server_x);
      append_int_attr(out, "y1", y - k_ladder_drop / 2);
      append_int_attr(out, "x2", rightwards ? k_ladder_server_x : k_ladder_client_x);
      append_int_attr(out, "y2", y + k_ladder_drop / 2);
      out += "/>";
      // Above the arrow's middle, where the line is at y.
      append_text(out, "l", (k_ladder_client_x + k_ladder_server_x) / 2, y - 3, row.label);
    } else {
      text = "(timer)";
      if (!row.changes.empty() && row.changes.front()->packet_number != 0) {
        text = "(packet ";
        append_uint(text, row.changes.front()->packet_number);
        text += ", not drawn)";
      }
      append_text(out, "m", (k_ladder_client_x + k_ladder_server_x) / 2 - 40, y + 4, text);
    }
    if (row.changed[0] || first) {
      out += "<text class=\"st e\"";
      append_int_attr(out, "x", k_ladder_client_x - 8);
      append_int_attr(out, "y", y + 4);
      out += '>';
      out += conn::state_name(row.states[0]);
      out += "</text>";
    }
    if (row.changed[1] || first) {
      append_text(out, "st", k_ladder_server_x + 8, y + 4, conn::state_name(row.states[1]));
    }
    first = false;
    y += k_ladder_row;
    for (const LadderEvent* verdict : row.verdicts) {
      text.clear();
      const bool is_anomaly = verdict->kind == conn::EventKind::anomaly;
      text += is_anomaly ? "\xE2\x9A\xA0 " : "\xE2\x80\xA2 note ";
      text += is_anomaly ? anomaly::name(verdict->anomaly) : anomaly::name(verdict->note);
      text += " (";
      text += conn::side_name(verdict->side);
      text += "): ";
      text += verdict->reason;
      // The ladder is a fixed width: a long reason is cut, and kept whole in the tooltip.
      out += "<text class=\"";
      out += is_anomaly ? "v" : "nt";
      out += '"';
      append_int_attr(out, "x", k_ladder_verdict_x);
      append_int_attr(out, "y", y);
      out += "><title>";
      escape(out, text);
      out += "</title>";
      if (text.size() > k_ladder_verdict_chars) {
        std::size_t cut = k_ladder_verdict_chars;
        while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0U) == 0x80U) {
          --cut; // not inside a UTF-8 sequence
        }
        text.resize(cut);
        text += "\xE2\x80\xA6";
      }
      escape(out, text);
      out += "</text>";
      y += k_ladder_row;
    }
  }
  if (ladder.truncated()) {
    text = "\xE2\x80\xA6 ";
    append_uint(text, ladder.packets_seen - ladder.packets.size());
    text += " more packets not drawn";
    append_text(out, "m", k_ladder_client_x + 10, y + 2, text);
  }
  out += "</svg>";
}

std::string render_html_report(const HtmlReportData& data) {
  std::string out;
  out.reserve(1U << 16U);
  out += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
         "<title>tcpstate report: ";
  for (std::size_t i = 0; i < data.inputs.size(); ++i) {
    if (i > 0) {
      out += ", ";
    }
    escape(out, data.inputs[i]);
  }
  out += "</title><script>";
  out += k_error_hook;
  out += "</script><style>";
  out += k_style;
  out += "</style></head><body>\n<pre id=\"js-errors\" hidden></pre>";
  out += "<h1>tcpstate report</h1><p class=\"sub\">";
  for (std::size_t i = 0; i < data.inputs.size(); ++i) {
    out += i == 0 ? "<code>" : ", <code>";
    escape(out, data.inputs[i]);
    out += "</code>";
  }
  if (!data.filter.empty()) {
    out += ", filter <code>";
    escape(out, data.filter);
    out += "</code>";
  }
  out += "</p>\n";
  append_headline(out, data);
  out += '\n';
  append_charts(out, data);
  out += '\n';
  append_anomalies(out, data);
  out += '\n';
  append_servers(out, data);
  out += '\n';
  append_skips(out, data);
  out += "\n<script>";
  out += k_script;
  out += "</script></body></html>\n";
  return out;
}

} // namespace tcpstate::sink
