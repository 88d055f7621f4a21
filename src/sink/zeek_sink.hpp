#pragma once
// A conn.log as Zeek writes it (its ASCII writer's tab-separated form), one row per
// connection as Zeek delimits connections (several for one tcpstate connection when Zeek
// would have split it), for tools that read Zeek logs. A leading extension field,
// _conn_id, names the tcpstate connection each row belongs to. The conn_state and history
// columns are tcpstate's rendering of Zeek's rules (src/conn/zeek_conn.cpp); orig/resp
// follow Zeek's orientation, which may differ from tcpstate's client/server. #open and
// #close carry capture times, not the wall clock, so a run is reproducible.
#include "tcpstate/conn/zeek_row.hpp"
#include "tcpstate/sink/sink.hpp"
#include "tcpstate/sink/sink_factory.hpp"

#include <iosfwd>
#include <string>

namespace tcpstate::sink {

class ZeekSink final : public Sink {
public:
  // header false: no # lines at all (--no-header), only the rows.
  ZeekSink(std::ostream& out, View view, bool header);
  void on_connection(const conn::ConnectionReport& report) override;
  void on_finish(const Summary& summary) override;

private:
  void append_header(TimeNs open_time);
  // One conn.log row; `index` counts the connection's rows from 0.
  void append_row(const conn::ConnectionReport& report, const conn::ZeekRow& zeek,
                  std::uint64_t index);
  void write_row();

  std::ostream& m_out;
  View m_view;
  bool m_header; // the # lines are written
  bool m_header_due;
  std::string m_row;
};

// Zeek-style connection uid: "C" and 17 base62 characters, derived from conn_id and the
// index of the Zeek row within that connection.
std::string zeek_uid(std::uint64_t conn_id, std::uint64_t row);

} // namespace tcpstate::sink
