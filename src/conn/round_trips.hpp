#pragma once
// Round-trip times at the capture point. A capture sits somewhere between the client and
// the server, so what it measures is split in two legs: the client leg (capture point ->
// client -> capture point) and the server leg. The handshake gives one sample of each
// (server leg: SYN -> SYN-ACK; client leg: SYN-ACK -> the ACK of it); data gives more,
// from the time a segment of new data passes to the time the peer's ACK covering it
// passes, one segment timed at a time per direction, as a TCP sender times them (RFC 6298
// section 3: never a retransmitted segment, Karn's rule). Delayed ACKs are part of a data
// sample, as they are part of what the sender sees.
#include "endpoint.hpp"

#include "tcpstate/conn/tcp_state.hpp"
#include "tcpstate/decode/tcp_segment.hpp"
#include "tcpstate/util/deep_copied.hpp"
#include "tcpstate/util/time.hpp"

#include <array>
#include <cstdint>
#include <vector>

namespace tcpstate::conn {

// The data samples of one leg: every sample up to k_max_round_trip_samples, then a uniform
// sample of that many (reservoir sampling with a fixed seed, so runs repeat), which keeps
// a long connection's record bounded while its median stays representative.
inline constexpr std::uint32_t k_max_round_trip_samples = 255;

// One leg's kept samples. The first few sit inline, so that the samples of a typical
// connection take one allocation for both legs; a long connection's spill into `rest`.
struct RoundTripLeg {
  static constexpr std::uint32_t k_inline = 6;
  std::uint32_t seen = 0;  // saturating
  std::uint32_t count = 0; // kept, at most k_max_round_trip_samples
  std::array<TimeNs, k_inline> first{};
  std::vector<TimeNs> rest;

  TimeNs& at(std::uint32_t i) { return i < k_inline ? first[i] : rest[i - k_inline]; }
  void push(TimeNs sample) {
    if (count < k_inline) {
      first[count] = sample;
    } else {
      rest.push_back(sample);
    }
    ++count;
  }
};

struct RoundTripSamples {
  std::array<RoundTripLeg, 2> legs; // [Side of the leg]
};

struct RoundTrips {
  TimeNs syn_time = 0;               // the client's SYN, when sent once
  TimeNs syn_ack_time = 0;           // the server's first SYN-ACK
  std::array<TimeNs, 2> handshake{}; // [Side of the leg]; 0: no sample
  bool syn_seen : 1 = false;
  bool syn_ack_seen : 1 = false;
  bool syn_repeated : 1 = false; // Karn: an answer to which copy?
  bool syn_ack_repeated : 1 = false;
  bool timing_client : 1 = false; // a client segment is being timed
  bool timing_server : 1 = false;
  std::array<std::uint32_t, 2> timed_end{}; // [sender] one past the timed segment's data
  std::array<TimeNs, 2> timed_at{};         // [sender] when it passed
  DeepCopied<RoundTripSamples> samples;     // null until the first data sample
};

// Call for every segment before the endpoints are updated with it: `sender` is still as it
// was before the segment, `peer` the other endpoint.
void observe_round_trip(RoundTrips& trips, Side side, const Endpoint& sender, const Endpoint& peer,
                        const decode::TcpSegment& segment, TimeNs time);

// The median of one leg's data samples, or 0 when there is none.
TimeNs median_data_round_trip(const RoundTrips& trips, Side leg);
std::uint32_t data_round_trip_samples(const RoundTrips& trips, Side leg);

} // namespace tcpstate::conn
