#include "connection_selector.hpp"

namespace tcpstate::cli {

bool is_selected(const ConnectionTarget& target, const conn::ConnectionReport& report) {
  return !target.enabled ||
         target.matches(report.conn_id, report.client().address, report.client().port,
                        report.server().address, report.server().port);
}

bool is_selected(const ConnectionTarget& target, const conn::Event& event) {
  return !target.enabled || target.matches(event.conn_id, event.client_address, event.client_port,
                                           event.server_address, event.server_port);
}

void SelectedReports::on_report(const conn::ConnectionReport& report) {
  ++m_seen;
  if (is_selected(m_target, report)) {
    ++m_passed;
    m_next.on_report(report);
  }
}

void SelectedEvents::on_event(const conn::Event& event) {
  if (is_selected(m_target, event)) {
    m_next.on_event(event);
  }
}

} // namespace tcpstate::cli
