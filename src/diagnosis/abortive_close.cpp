// abortive_close: which side of a server's connections ends them with RST instead of FIN
// (RFC 9293 section 3.6: an abort), how often, and at which stage of the exchange.
#include "connection_groups.hpp"

#include <array>

namespace tcpstate::diagnosis {
namespace {

enum class Stage : std::uint8_t { before_data, after_request, after_response, after_fin, count };

constexpr std::array<std::string_view, 4> k_stage_words{
    {"before any data", "after the request, before any response", "after the response",
     "during or after the FIN exchange, cutting TIME_WAIT short"}};

Stage stage_of(const ConnectionFacts& facts) {
  // The missing_time_wait verdict is the RST that came with or after the FIN exchange.
  if (facts.anomalies.has(anomaly::Anomaly::missing_time_wait)) {
    return Stage::after_fin;
  }
  if (facts.server_sent_data) {
    return Stage::after_response;
  }
  return facts.client_sent_data ? Stage::after_request : Stage::before_data;
}

void judge(const EndpointKey& key, const Group& group, conn::ClosedBy sender,
           const DiagnosisConfig& config, std::vector<Finding>& out) {
  const auto aborted = [sender](const ConnectionFacts& facts) {
    return facts.close == conn::CloseKind::rst && facts.closed_by == sender;
  };
  std::array<std::uint64_t, static_cast<std::size_t>(Stage::count)> stages{};
  std::uint64_t resets = 0;
  for (const ConnectionFacts* facts : group) {
    if (aborted(*facts)) {
      ++resets;
      ++stages.at(static_cast<std::size_t>(stage_of(*facts)));
    }
  }
  if (!config.enough(resets, group.size())) {
    return;
  }
  std::size_t common = 0;
  for (std::size_t i = 1; i < stages.size(); ++i) {
    if (stages.at(i) > stages.at(common)) {
      common = i;
    }
  }
  const std::string who = sender == conn::ClosedBy::server ? "the server" : "the clients";
  Finding finding;
  finding.kind = Kind::abortive_close;
  finding.severity = Severity::warning;
  finding.subject = server_subject(key);
  finding.headline = who + " ended " + metric_text(static_cast<double>(resets)) + " of " +
                     metric_text(static_cast<double>(group.size())) + " connections (" +
                     metric_text(percent(resets, group.size())) + "%) with RST, most " +
                     std::string(k_stage_words.at(common));
  finding.metrics = {
      {"connections", static_cast<double>(group.size())},
      {sender == conn::ClosedBy::server ? "rst_by_server" : "rst_by_client",
       static_cast<double>(resets)},
      {"percent", percent(resets, group.size())},
      {"before_data", static_cast<double>(stages[0])},
      {"after_request", static_cast<double>(stages[1])},
      {"after_response", static_cast<double>(stages[2])},
      {"after_fin", static_cast<double>(stages[3])},
  };
  finding.examples = example_ids(group, aborted);
  out.push_back(std::move(finding));
}

} // namespace

void find_abortive_closes(const Groups& servers, const DiagnosisConfig& config,
                          std::vector<Finding>& out) {
  for (const auto& [key, group] : servers) {
    judge(key, group, conn::ClosedBy::server, config, out);
    judge(key, group, conn::ClosedBy::client, config, out);
  }
}

} // namespace tcpstate::diagnosis
