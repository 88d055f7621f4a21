// capture_quality: what the capture itself lacks, which limits every other finding.
#include "connection_groups.hpp"

namespace tcpstate::diagnosis {
namespace {

// As the warning on stderr: more than one segment in a thousand proved missing.
constexpr std::uint64_t k_missed_per_mille = 1;
// One connection in ten seen one way only makes silence-based findings doubtful.
constexpr std::uint64_t k_one_sided_percent = 10;

} // namespace

void find_capture_quality(const DiagnosisInput& input, const CaptureFacts& capture,
                          std::vector<Finding>& out) {
  std::vector<std::string> problems;
  if (capture.missed_segments * 1000 > k_missed_per_mille * capture.tcp_segments &&
      capture.missed_segments != 0) {
    problems.push_back(
        metric_text(static_cast<double>(capture.missed_segments)) +
        " segments the peers acknowledged are missing (states across the gaps are inferred, "
        "and a silence may be the capture's rather than the network's)");
  }
  if (capture.kernel_dropped != 0) {
    problems.push_back(metric_text(static_cast<double>(capture.kernel_dropped)) +
                       " packets dropped by the capturing kernel (every count is a lower bound)");
  }
  if (capture.one_sided_connections != 0 &&
      capture.one_sided_connections * 100 >= k_one_sided_percent * capture.connections) {
    problems.push_back(
        metric_text(static_cast<double>(capture.one_sided_connections)) + " of " +
        metric_text(static_cast<double>(capture.connections)) +
        " connections seen in one direction only (the other side is inferred from ACKs; "
        "unanswered SYNs and half-open connections cannot be judged there)");
  }
  if (input.connections_not_kept() != 0) {
    problems.push_back("findings rest on the first " +
                       metric_text(static_cast<double>(input.connections().size())) +
                       " connections only");
  }
  if (problems.empty()) {
    return;
  }
  Finding finding;
  finding.kind = Kind::capture_quality;
  finding.severity = Severity::info;
  finding.subject = "capture";
  for (std::size_t i = 0; i < problems.size(); ++i) {
    finding.headline += (i == 0 ? "" : "; ") + problems[i];
  }
  finding.metrics = {{"tcp_segments", static_cast<double>(capture.tcp_segments)},
                     {"missed_segments", static_cast<double>(capture.missed_segments)},
                     {"kernel_dropped", static_cast<double>(capture.kernel_dropped)},
                     {"connections", static_cast<double>(capture.connections)},
                     {"one_sided_connections", static_cast<double>(capture.one_sided_connections)}};
  for (const ConnectionFacts& facts : input.connections()) {
    if (finding.examples.size() == k_examples) {
      break;
    }
    if (facts.notes.has(anomaly::Note::capture_gap) || facts.notes.has(anomaly::Note::one_sided)) {
      finding.examples.push_back(facts.conn_id);
    }
  }
  out.push_back(std::move(finding));
}

} // namespace tcpstate::diagnosis
