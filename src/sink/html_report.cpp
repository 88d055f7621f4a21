#include "tcpstate/sink/html_report.hpp"

#include "html_text.hpp"
#include "report_text.hpp"
#include "server_ranking.hpp"
#include "state_chart.hpp"
#include "text_format.hpp"

#include "tcpstate/decode/skip_reason.hpp"
#include "tcpstate/diagnosis/finding.hpp"

#include <map>
#include <set>
#include <string_view>

namespace tcpstate::sink {
namespace {

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
document.querySelectorAll('a.conn-link').forEach(function(a){
 a.addEventListener('click',function(){var r=document.getElementById(a.hash.slice(1));
  if(r&&r.getAttribute('aria-expanded')!=='true')r.click();});
});
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
  escape_html(out, data.ladder_note);
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
    out += "<tr class=\"anomaly-row\" tabindex=\"0\" id=\"conn-";
    append_uint(out, row.conn_id);
    out += "\" data-conn-id=\"";
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
      escape_html(out, evidence.detail);
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
      escape_html(out, data.ladder_note);
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

// ---- diagnosis ----

// Most severe first, each with its numbers, its examples (linked to their row and ladder
// when the anomaly table has them) and what an operator could change.
void append_diagnosis(std::string& out, const HtmlReportData& data) {
  const std::vector<diagnosis::Finding>& findings = data.summary->findings;
  out += "<h2>Diagnosis</h2>";
  if (findings.empty()) {
    out += "<p class=\"more\" id=\"no-findings\">No finding: nothing here adds up to a cause "
           "worth an operator's attention.</p>";
    return;
  }
  std::set<std::uint64_t> shown;
  for (const AnomalyRow& row : data.anomalies) {
    shown.insert(row.conn_id);
  }
  out += "<div id=\"diagnosis\">";
  // Bounded like every list here; the machine formats list them all.
  constexpr std::size_t k_findings_shown = 50;
  for (std::size_t i = 0; i < findings.size() && i < k_findings_shown; ++i) {
    const diagnosis::Finding& finding = findings[i];
    const diagnosis::KindInfo& kind = diagnosis::info(finding.kind);
    out += "<div class=\"finding\" data-kind=\"";
    out += kind.name;
    out += "\" data-severity=\"";
    out += anomaly::severity_name(finding.severity);
    out += "\"><h3><span class=\"tag sev-";
    out += anomaly::severity_name(finding.severity);
    out += "\">";
    out += anomaly::severity_name(finding.severity);
    out += "</span> ";
    escape_html(out, kind.title);
    out += " <code>";
    out += kind.name;
    out += "</code> ";
    escape_html(out, finding.subject);
    out += "</h3><p>";
    escape_html(out, finding.headline);
    out += "</p><p class=\"sub\">";
    for (const diagnosis::Metric& metric : finding.metrics) {
      out += "<code>";
      out += metric.name;
      out += "=";
      out += diagnosis::metric_text(metric.value);
      out += "</code> ";
    }
    out += "</p>";
    if (!finding.examples.empty()) {
      out += "<p>Examples: ";
      for (const std::uint64_t id : finding.examples) {
        if (shown.contains(id)) {
          out += "<a class=\"conn-link\" href=\"#conn-";
          append_uint(out, id);
          out += "\">conn ";
          append_uint(out, id);
          out += "</a> ";
        } else {
          out += "conn ";
          append_uint(out, id);
          out += ' ';
        }
      }
      out += "</p>";
    }
    out += "<p>";
    escape_html(out, kind.explanation);
    out += "</p><ul>";
    for (const std::string_view remedy : kind.remedies) {
      if (!remedy.empty()) {
        out += "<li>";
        escape_html(out, remedy);
        out += "</li>";
      }
    }
    out += "</ul></div>";
  }
  out += "</div>";
  if (findings.size() > k_findings_shown) {
    out += "<p class=\"more\">";
    append_uint(out, findings.size() - k_findings_shown);
    out += " more findings not shown (<code>--summary --format csv</code> lists "
           "them all).</p>";
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
  const std::vector<RankedServer> servers = rank_servers(summary, data.server_cap);
  out += "<p class=\"sub\">Most anomalous connections first.</p>";
  out += "<table id=\"server-table\"><thead><tr><th>server</th><th class=\"n\">connections</th>"
         "<th class=\"n\">anomalous</th><th class=\"n\">close_wait_leaks</th><th class=\"n\">"
         "rst_closes</th><th class=\"n\">refused</th><th class=\"n\">syn_received</th><th "
         "class=\"n\">syn_unanswered</th><th class=\"n\">syn_flood</th></tr></thead><tbody>";
  for (const RankedServer& server : servers) {
    const ServerRollup& r = *server.rollup;
    out += "<tr><td>";
    append_endpoint_html(out, server.key->address, server.key->port);
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
  if (summary.servers.size() > servers.size()) {
    out += "<p class=\"more\">";
    append_uint(out, summary.servers.size() - servers.size());
    out += " more servers not shown.</p>";
  }
}

void append_skips(std::string& out, const HtmlReportData& data) {
  const CaptureStats& capture = data.summary->capture;
  out += "<h2>What was skipped, and why</h2><table id=\"skip-table\"><thead><tr><th>what</th>"
         "<th class=\"n\">packets</th></tr></thead><tbody>";
  const auto line = [&](std::string_view what, std::uint64_t count) {
    out += "<tr><td>";
    escape_html(out, what);
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
      escape_html(out, error);
      out += "</li>";
    }
    out += "</ul>";
  }
}

} // namespace

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
    escape_html(out, data.inputs[i]);
  }
  out += "</title><script>";
  out += k_error_hook;
  out += "</script><style>";
  out += k_style;
  out += "</style></head><body>\n<pre id=\"js-errors\" hidden></pre>";
  out += "<h1>tcpstate report</h1><p class=\"sub\">";
  for (std::size_t i = 0; i < data.inputs.size(); ++i) {
    out += i == 0 ? "<code>" : ", <code>";
    escape_html(out, data.inputs[i]);
    out += "</code>";
  }
  if (!data.filter.empty()) {
    out += ", filter <code>";
    escape_html(out, data.filter);
    out += "</code>";
  }
  if (const conn::ShardSelection& shard = data.summary->shard; shard.active()) {
    out += ", shard " + std::to_string(shard.index) + " of " + std::to_string(shard.count) +
           " (its connections only)";
  }
  out += "</p>\n";
  append_headline(out, data);
  out += '\n';
  append_charts(out, data);
  out += '\n';
  append_diagnosis(out, data);
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
