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

// How the capture as a whole saw its connections, so far: a connection counts as two-way
// once both endpoints' packets are in the capture, as one-sided once the ACKs of the one
// seen prove segments of the other that the capture never shows. Mostly one-sided means a
// one-way tap, asymmetric routing or a direction filter: silence proves nothing then.
struct CaptureShape {
  std::uint64_t connections_two_way = 0;
  std::uint64_t connections_one_sided = 0;
  std::uint64_t segments_missed = 0; // proved by ACKs, in connections seen both ways
  bool mostly_one_sided() const { return connections_one_sided > connections_two_way; }
};

class Recorder {
public:
  explicit Recorder(EventObserver* observer) : m_observer(observer) {}

  bool wants_events() const { return m_observer != nullptr; }
  CaptureShape& shape() { return m_shape; }
  const CaptureShape& shape() const { return m_shape; }

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
  CaptureShape m_shape;
};

} // namespace tcpstate::conn
