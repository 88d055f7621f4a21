#pragma once
// --conn after decoding: only the named connection's reports and events go on to the
// views. Matching the decoded four-tuple, it finds a connection inside a tunnel as well,
// which a BPF filter on the outer headers cannot.
#include "tcpstate/cli/connection_target.hpp"
#include "tcpstate/conn/event.hpp"
#include "tcpstate/conn/reconstructor.hpp"

#include <cstdint>

namespace tcpstate::cli {

class SelectedReports final : public conn::ReportReceiver {
public:
  // A disabled target passes every report.
  SelectedReports(const ConnectionTarget& target, conn::ReportReceiver& next)
      : m_target(target), m_next(next) {}
  void on_report(const conn::ConnectionReport& report) override;

  std::uint64_t reports_seen() const { return m_seen; }
  std::uint64_t reports_passed() const { return m_passed; }

private:
  const ConnectionTarget& m_target;
  conn::ReportReceiver& m_next;
  std::uint64_t m_seen = 0;
  std::uint64_t m_passed = 0;
};

class SelectedEvents final : public conn::EventObserver {
public:
  SelectedEvents(const ConnectionTarget& target, conn::EventObserver& next)
      : m_target(target), m_next(next) {}
  void on_event(const conn::Event& event) override;

private:
  const ConnectionTarget& m_target;
  conn::EventObserver& m_next;
};

bool is_selected(const ConnectionTarget& target, const conn::ConnectionReport& report);
bool is_selected(const ConnectionTarget& target, const conn::Event& event);

} // namespace tcpstate::cli
