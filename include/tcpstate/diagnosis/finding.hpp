#pragma once
// A diagnosis finding: what the verdicts of many connections add up to, for one server,
// one client host or the capture, with the numbers behind it, the conn_ids of its worst
// examples, and what an operator could change. Kind names are stable snake_case
// identifiers: they appear in CSV, JSON and the man page's DIAGNOSIS section, and scripts
// match on them. Every kind is described once, in the table in src/diagnosis/kinds.cpp.
#include "tcpstate/anomaly/anomaly.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tcpstate::diagnosis {

// In output order among findings of the same severity.
enum class Kind : std::uint8_t {
  syn_flood,
  close_wait_leak,
  half_open,
  syn_backlog,
  ephemeral_port_pressure,
  time_wait_load,
  syn_unanswered,
  connection_refused,
  abortive_close,
  missing_time_wait,
  capture_quality,
  count
};

inline constexpr std::size_t k_kind_count = static_cast<std::size_t>(Kind::count);

// The verdicts' scale: info (worth knowing), warning (costs something now), error (will
// break something if it goes on).
using Severity = anomaly::Severity;

struct KindInfo {
  Kind id;
  std::string_view name;
  std::string_view title;       // a short heading: "TIME_WAIT load"
  std::string_view explanation; // one paragraph, plain words
  // Options an operator would weigh, each with its trade-off.
  std::array<std::string_view, 4> remedies;
};

const KindInfo& info(Kind kind);
std::string_view name(Kind kind);
// "info", "warning", "error" -> severity; false for anything else.
bool parse_severity(std::string_view text, Severity& out);

// One number behind a finding: a stable snake_case name and its value. Values that are not
// whole (rates, shares) keep one decimal.
struct Metric {
  std::string_view name;
  double value = 0;
};

struct Finding {
  Kind kind = Kind::count;
  Severity severity = Severity::info;
  std::string subject;  // "server 127.0.0.1:8080", "client 10.0.0.7", "capture"
  std::string headline; // one line with the numbers that matter most
  std::vector<Metric> metrics;
  std::vector<std::uint64_t> examples; // conn_ids, worst first
};

// Most severe first; then in Kind order; then by subject, so output is reproducible.
void sort_most_severe_first(std::vector<Finding>& findings);

// Whether any finding is at or above `severity`.
bool any_at_or_above(const std::vector<Finding>& findings, Severity severity);

// "12", "12.5": a metric's value as the views print it.
std::string metric_text(double value);

} // namespace tcpstate::diagnosis
