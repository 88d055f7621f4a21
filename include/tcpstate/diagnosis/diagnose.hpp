#pragma once
// From the connections' facts and the capture's totals to findings, most severe first.
#include "tcpstate/diagnosis/diagnosis_config.hpp"
#include "tcpstate/diagnosis/diagnosis_input.hpp"
#include "tcpstate/diagnosis/finding.hpp"
#include "tcpstate/util/time.hpp"

#include <cstdint>
#include <vector>

namespace tcpstate::diagnosis {

// What the summary knows of the capture as a whole, which limits what the connections can
// prove.
struct CaptureFacts {
  TimeNs first_packet = 0;
  TimeNs last_packet = 0; // or the --at moment
  std::uint64_t tcp_segments = 0;
  std::uint64_t connections = 0;
  std::uint64_t missed_segments = 0; // proved by ACKs, over two-sided connections
  std::uint64_t one_sided_connections = 0;
  std::uint64_t kernel_dropped = 0; // live capture only
};

std::vector<Finding> diagnose(const DiagnosisInput& input, const CaptureFacts& capture,
                              const DiagnosisConfig& config);

} // namespace tcpstate::diagnosis
