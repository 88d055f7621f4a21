#pragma once
// The connections' facts grouped the ways findings look at them: per server address:port
// and per client host. Groups point into the input; they are built once per diagnosis.
#include "tcpstate/diagnosis/diagnose.hpp"
#include "tcpstate/diagnosis/diagnosis_input.hpp"
#include "tcpstate/diagnosis/finding.hpp"

#include <compare>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace tcpstate::diagnosis {

struct EndpointKey {
  IpAddress address;
  std::uint16_t port = 0; // 0: the host as a whole
  friend auto operator<=>(const EndpointKey&, const EndpointKey&) = default;
};

using Group = std::vector<const ConnectionFacts*>;
using Groups = std::map<EndpointKey, Group>;

Groups by_server(const ConnectionFactsList& connections);
Groups by_client_host(const ConnectionFactsList& connections);

std::string server_subject(const EndpointKey& key);                      // "server 10.0.0.1:80"
std::string client_subject(const IpAddress& address);                    // "client 10.0.0.7"
std::string endpoint_text(const IpAddress& address, std::uint16_t port); // "[::1]:80"

std::uint64_t count_if(const Group& group, const std::function<bool(const ConnectionFacts&)>& pred);

// The conn_ids of the first `limit` connections matching `pred`, lowest conn_id first.
std::vector<std::uint64_t> example_ids(const Group& group,
                                       const std::function<bool(const ConnectionFacts&)>& pred);

// "12.5%" of part in whole (0 when whole is 0), as a metric value.
double percent(std::uint64_t part, std::uint64_t whole);

// How many examples a finding lists.
inline constexpr std::size_t k_examples = 5;

// The finders, one per file, each appending what it finds.
void find_time_wait_load(const Groups& servers, const Groups& clients,
                         const DiagnosisConfig& config, std::vector<Finding>& out);
void find_port_pressure(const ConnectionFactsList& connections, const DiagnosisConfig& config,
                        std::vector<Finding>& out);
void find_close_wait_leaks(const ConnectionFactsList& connections, const CaptureFacts& capture,
                           std::vector<Finding>& out);
void find_handshake_failures(const Groups& servers, const DiagnosisConfig& config,
                             std::vector<Finding>& out);
void find_abortive_closes(const Groups& servers, const DiagnosisConfig& config,
                          std::vector<Finding>& out);
void find_lost_state(const Groups& servers, const DiagnosisConfig& config,
                     std::vector<Finding>& out);
void find_capture_quality(const DiagnosisInput& input, const CaptureFacts& capture,
                          std::vector<Finding>& out);

} // namespace tcpstate::diagnosis
