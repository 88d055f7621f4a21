#include "diagnosis_text.hpp"

#include "text_format.hpp"

#include <string_view>

namespace tcpstate::sink {
namespace {

using diagnosis::Finding;

// Prose is wrapped to this width (a terminal of 100 columns with room to spare).
constexpr std::size_t k_wrap_width = 92;
// The table explains this many findings, the most severe; a capture of many servers can
// have hundreds, which the machine formats list in full.
constexpr std::size_t k_table_findings = 20;

// Appends `text` as lines of at most k_wrap_width columns, the first starting with `first`
// and the others indented like it (words longer than a line stay whole).
void append_wrapped(std::string& out, std::string_view first, std::string_view text) {
  const std::string indent(first.size(), ' ');
  std::size_t line_start = out.size();
  out += first;
  bool line_empty = true;
  while (!text.empty()) {
    const std::size_t space = text.find(' ');
    const std::string_view word = text.substr(0, space);
    text = space == std::string_view::npos ? std::string_view{} : text.substr(space + 1);
    if (word.empty()) {
      continue;
    }
    if (!line_empty && out.size() - line_start + 1 + word.size() > k_wrap_width) {
      out.push_back('\n');
      line_start = out.size();
      out += indent;
      line_empty = true;
    }
    if (!line_empty) {
      out.push_back(' ');
    }
    out += word;
    line_empty = false;
  }
  out.push_back('\n');
}

void append_examples(std::string& out, const Finding& finding, std::string_view separator) {
  for (std::size_t i = 0; i < finding.examples.size(); ++i) {
    if (i != 0) {
      out += separator;
    }
    append_uint(out, finding.examples[i]);
  }
}

std::string csv_key(const Finding& finding) {
  std::string key{diagnosis::name(finding.kind)};
  key += ' ';
  key += finding.subject;
  return key;
}

void append_csv_text_row(std::string& out, std::string_view key, std::string_view metric,
                         std::string_view value) {
  out += "diagnosis,";
  append_csv_field(out, key);
  out.push_back(',');
  out += metric;
  out.push_back(',');
  append_csv_field(out, value);
  out.push_back('\n');
}

} // namespace

void append_diagnosis_table(std::string& out, const std::vector<Finding>& findings) {
  if (findings.empty()) {
    return;
  }
  out += "\nDiagnosis (";
  append_uint(out, findings.size());
  out += findings.size() == 1 ? " finding" : " findings";
  out += ", most severe first)\n";
  for (std::size_t shown = 0; shown < findings.size() && shown < k_table_findings; ++shown) {
    const Finding& finding = findings[shown];
    const diagnosis::KindInfo& kind = diagnosis::info(finding.kind);
    out += "  ";
    out += anomaly::severity_name(finding.severity);
    out += "  ";
    out += kind.name;
    out += "  ";
    out += finding.subject;
    out.push_back('\n');
    append_wrapped(out, "    ", finding.headline);
    std::string numbers;
    for (const diagnosis::Metric& metric : finding.metrics) {
      numbers += numbers.empty() ? "" : " ";
      numbers += metric.name;
      numbers += '=';
      numbers += diagnosis::metric_text(metric.value);
    }
    append_wrapped(out, "    numbers: ", numbers);
    if (!finding.examples.empty()) {
      out += "    examples: conn ";
      append_examples(out, finding, ", ");
      out.push_back('\n');
    }
    append_wrapped(out, "    why: ", kind.explanation);
    for (const std::string_view remedy : kind.remedies) {
      if (!remedy.empty()) {
        append_wrapped(out, "    option: ", remedy);
      }
    }
  }
  if (findings.size() > k_table_findings) {
    out += "  ";
    append_uint(out, findings.size() - k_table_findings);
    out += " more: --summary --format csv or jsonl lists them all\n";
  }
}

void append_diagnosis_csv(std::string& out, const std::vector<Finding>& findings) {
  for (const Finding& finding : findings) {
    const std::string key = csv_key(finding);
    append_csv_text_row(out, key, "severity", anomaly::severity_name(finding.severity));
    append_csv_text_row(out, key, "headline", finding.headline);
    for (const diagnosis::Metric& metric : finding.metrics) {
      append_csv_text_row(out, key, metric.name, diagnosis::metric_text(metric.value));
    }
    std::string ids;
    append_examples(ids, finding, " ");
    append_csv_text_row(out, key, "conn_ids", ids);
  }
}

void append_diagnosis_json(std::string& out, const std::vector<Finding>& findings) {
  for (const Finding& finding : findings) {
    const diagnosis::KindInfo& kind = diagnosis::info(finding.kind);
    out += R"({"type":"finding","kind":)";
    append_json_string(out, kind.name);
    out += R"(,"severity":)";
    append_json_string(out, anomaly::severity_name(finding.severity));
    out += R"(,"subject":)";
    append_json_string(out, finding.subject);
    out += R"(,"headline":)";
    append_json_string(out, finding.headline);
    out += R"(,"metrics":{)";
    for (std::size_t i = 0; i < finding.metrics.size(); ++i) {
      if (i != 0) {
        out.push_back(',');
      }
      append_json_string(out, finding.metrics[i].name);
      out.push_back(':');
      out += diagnosis::metric_text(finding.metrics[i].value);
    }
    out += R"(},"conn_ids":[)";
    append_examples(out, finding, ",");
    out += R"(],"explanation":)";
    append_json_string(out, kind.explanation);
    out += R"(,"remedies":[)";
    bool first = true;
    for (const std::string_view remedy : kind.remedies) {
      if (remedy.empty()) {
        continue;
      }
      if (!first) {
        out.push_back(',');
      }
      first = false;
      append_json_string(out, remedy);
    }
    out += "]}\n";
  }
}

} // namespace tcpstate::sink
