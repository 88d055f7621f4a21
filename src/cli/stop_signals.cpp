#include "stop_signals.hpp"

#include "tcpstate/cli/live_options.hpp"

#include <array>
#include <atomic>
#include <cstddef>

namespace tcpstate::cli {
namespace {

// Lock-free atomics are all a signal handler may touch.
std::array<std::atomic<source::LiveCapture*>, k_max_fanout> g_captures{};
static_assert(std::atomic<source::LiveCapture*>::is_always_lock_free);

extern "C" void stop_captures(int /*signal*/) {
  for (auto& slot : g_captures) {
    source::LiveCapture* const capture = slot.load();
    if (capture != nullptr) {
      capture->stop();
    }
  }
}

} // namespace

StopSignals::StopSignals(const std::vector<source::LiveCapture*>& captures) {
  for (std::size_t i = 0; i < captures.size() && i < g_captures.size(); ++i) {
    g_captures[i].store(captures[i]);
  }
  struct sigaction action {};
  action.sa_handler = stop_captures;
  sigemptyset(&action.sa_mask);
  // No SA_RESTART: a blocked poll returns at once.
  action.sa_flags = static_cast<int>(SA_RESETHAND);
  sigaction(SIGINT, &action, &m_old_int);
  sigaction(SIGTERM, &action, &m_old_term);
}

StopSignals::~StopSignals() {
  sigaction(SIGINT, &m_old_int, nullptr);
  sigaction(SIGTERM, &m_old_term, nullptr);
  for (auto& slot : g_captures) {
    slot.store(nullptr);
  }
}

} // namespace tcpstate::cli
