#pragma once
// SIGINT and SIGTERM stop every live capture of the run, from the signal handler.
#include "tcpstate/source/live_capture.hpp"

#include <csignal>
#include <vector>

namespace tcpstate::cli {

// For as long as this lives, SIGINT and SIGTERM call stop() on each of `captures` (at
// most k_max_fanout). SA_RESETHAND: a second Ctrl-C kills at once, should the final write
// ever hang.
class StopSignals {
public:
  explicit StopSignals(const std::vector<source::LiveCapture*>& captures);
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

private:
  struct sigaction m_old_int {};
  struct sigaction m_old_term {};
};

} // namespace tcpstate::cli
