// Handshakes that do not complete, per server: SYN floods, SYN_RECEIVED piles (a full
// accept or SYN queue), SYNs nobody answers, and refusals (RFC 9293 section 3.5).
#include "connection_groups.hpp"

#include <set>

namespace tcpstate::diagnosis {
namespace {

using anomaly::Anomaly;

std::uint64_t distinct_clients(const Group& group,
                               const std::function<bool(const ConnectionFacts&)>& pred) {
  std::set<IpAddress> clients;
  for (const ConnectionFacts* facts : group) {
    if (pred(*facts)) {
      clients.insert(facts->client_address);
    }
  }
  return clients.size();
}

bool flagged(const ConnectionFacts& facts, Anomaly anomaly) {
  return facts.anomalies.has(anomaly);
}

// A server endpoint left in SYN_RECEIVED after retransmitting its SYN-ACK: the handshake's
// last ACK never counted (dropped on a full accept queue, or lost on the way).
bool stuck_in_syn_received(const ConnectionFacts& facts) {
  return facts.server_state == conn::TcpState::syn_received && facts.server_retransmitted &&
         !flagged(facts, Anomaly::syn_flood);
}

Finding make(Kind kind, Severity severity, const EndpointKey& key, std::string headline) {
  Finding finding;
  finding.kind = kind;
  finding.severity = severity;
  finding.subject = server_subject(key);
  finding.headline = std::move(headline);
  return finding;
}

std::string count_text(std::uint64_t count) {
  return metric_text(static_cast<double>(count));
}

} // namespace

void find_handshake_failures(const Groups& servers, const DiagnosisConfig& config,
                             std::vector<Finding>& out) {
  for (const auto& [key, group] : servers) {
    const auto total = static_cast<double>(group.size());
    const auto is_flood = [](const ConnectionFacts& f) { return flagged(f, Anomaly::syn_flood); };
    const auto is_unanswered = [](const ConnectionFacts& f) {
      return flagged(f, Anomaly::syn_unanswered) && !flagged(f, Anomaly::syn_flood);
    };
    const auto is_refused = [](const ConnectionFacts& f) { return flagged(f, Anomaly::refused); };
    const std::uint64_t flood = count_if(group, is_flood);
    const std::uint64_t stuck = count_if(group, stuck_in_syn_received);
    const std::uint64_t unanswered = count_if(group, is_unanswered);
    const std::uint64_t refused = count_if(group, is_refused);

    // The flood verdict already needs --syn-flood-threshold handshakes: one is enough here.
    if (flood != 0) {
      const std::uint64_t sources = distinct_clients(group, is_flood);
      Finding finding = make(Kind::syn_flood, Severity::error, key,
                             count_text(flood) + " handshakes began during a SYN flood, from " +
                                 count_text(sources) + " source address(es)");
      finding.metrics = {{"connections", total},
                         {"flooded", static_cast<double>(flood)},
                         {"source_addresses", static_cast<double>(sources)}};
      finding.examples = example_ids(group, is_flood);
      out.push_back(std::move(finding));
    }
    if (config.enough(stuck, group.size())) {
      // SYNs dropped beside the pile: the SYN queue overflowed too.
      const bool queue_full = unanswered >= config.min_connections;
      Finding finding =
          make(Kind::syn_backlog, queue_full ? Severity::error : Severity::warning, key,
               count_text(stuck) +
                   " server endpoint(s) left in SYN_RECEIVED after retransmitting "
                   "the SYN-ACK" +
                   (queue_full ? ", and " + count_text(unanswered) +
                                     " connection(s) whose SYNs got no answer at all: the listen "
                                     "queue is full"
                               : ""));
      finding.metrics = {{"connections", total},
                         {"syn_received_retransmitting", static_cast<double>(stuck)},
                         {"syn_unanswered", static_cast<double>(unanswered)},
                         {"percent", percent(stuck, group.size())}};
      finding.examples = example_ids(group, stuck_in_syn_received);
      out.push_back(std::move(finding));
    }
    if (config.enough(unanswered, group.size())) {
      const std::uint64_t clients = distinct_clients(group, is_unanswered);
      Finding finding = make(Kind::syn_unanswered, Severity::warning, key,
                             count_text(unanswered) + " of " + count_text(group.size()) +
                                 " connection(s) sent SYNs and got nothing back, from " +
                                 count_text(clients) + " client address(es)");
      finding.metrics = {{"connections", total},
                         {"unanswered", static_cast<double>(unanswered)},
                         {"percent", percent(unanswered, group.size())},
                         {"client_addresses", static_cast<double>(clients)}};
      finding.examples = example_ids(group, is_unanswered);
      out.push_back(std::move(finding));
    }
    if (config.enough(refused, group.size())) {
      const std::uint64_t clients = distinct_clients(group, is_refused);
      Finding finding = make(Kind::connection_refused, Severity::warning, key,
                             count_text(refused) + " of " + count_text(group.size()) +
                                 " connection(s) were refused with RST, from " +
                                 count_text(clients) + " client address(es)");
      finding.metrics = {{"connections", total},
                         {"refused", static_cast<double>(refused)},
                         {"percent", percent(refused, group.size())},
                         {"client_addresses", static_cast<double>(clients)}};
      finding.examples = example_ids(group, is_refused);
      out.push_back(std::move(finding));
    }
  }
}

} // namespace tcpstate::diagnosis
