#pragma once
// Every change to a connection's verdict-relevant facts goes through here: state changes,
// anomalies and notes. It keeps the first evidence of each anomaly and note, and emits
// the --events rows when someone listens.
#include "connection.hpp"
#include "state_machine.hpp"
#include "tcpstate/conn/event.hpp"

#include <string>
#include <string_view>

namespace tcpstate::conn {

// The packet (or timer) that caused something. Timers have packet number 0.
struct Cause {
  TimeNs time = 0;
  std::uint64_t packet_number = 0;
};

class Recorder {
public:
  explicit Recorder(EventObserver* observer) : m_observer(observer) {}

  bool wants_events() const { return m_observer != nullptr; }

  // Moves `side` to `to`, keeping the per-state timestamps, and emits a state_change.
  void set_state(Connection& connection, Side side, TcpState to, std::string_view reason,
                 Cause cause);
  // next_state() of the RFC diagram, applied.
  void apply(Connection& connection, Side side, Stimulus stimulus, Cause cause);

  void raise(Connection& connection, anomaly::Anomaly anomaly, Side side, Cause cause,
             std::string detail);
  void note(Connection& connection, anomaly::Note note, Side side, Cause cause, std::string detail);

private:
  // Emits the anomaly or note event (when listened to) and keeps the evidence.
  void record_evidence(Connection& connection, Evidence evidence, Side side);
  void emit(const Connection& connection, Event& event);

  EventObserver* m_observer;
};

} // namespace tcpstate::conn
