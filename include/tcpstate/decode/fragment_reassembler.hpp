#pragma once
// Puts fragmented datagrams back together (RFC 791 section 3.2, RFC 8200 section 4.5), as
// the receiving host or tunnel endpoint and Zeek do, so that a segment sent in fragments,
// or inside a tunnel packet sent in fragments, is analysed once, whole. Only datagrams that
// lead toward TCP are held: TCP, IP in IP, IPv6 in IP and GRE in any order, and others
// (a UDP tunnel) once their first fragment has shown a tunnel the decoder follows
// (ip_fragment.hpp). Other protocols are not analysed, so their fragments are not kept.
//
// Fed the fragments of a capture in capture order, it hands back a datagram at the
// fragment that completes it, whatever order they came in. Memory is bounded: a datagram
// is given up `timeout` after its first fragment arrived (capture time, as Linux's
// ipfrag_time), and beyond `max_datagrams` or `max_bytes` held the oldest is given up.
#include "tcpstate/decode/ip_fragment.hpp"
#include "tcpstate/util/byte_view.hpp"
#include "tcpstate/util/time.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <vector>

namespace tcpstate::decode {

class FragmentReassembler {
public:
  struct Limits {
    std::size_t max_datagrams = 1024;
    std::size_t max_bytes = std::size_t{4} << 20; // Linux's ipfrag_high_thresh
    TimeNs timeout = 30 * k_ns_per_second;        // Linux's ipfrag_time
  };

  FragmentReassembler() : FragmentReassembler(Limits{}) {}
  explicit FragmentReassembler(Limits limits) : m_limits(limits) {}

  // Takes in a fragment captured at `time`. When it completes its datagram, returns that
  // datagram from its IP header on, its header saying it is whole and unfragmented (IPv4:
  // total length and a checksum made anew; IPv6: payload length, and the Fragment header
  // gone); valid until the next call. Otherwise returns an empty view.
  ByteView add(const IpFragment& fragment, TimeNs time);

  std::size_t datagrams_held() const { return m_datagrams.size(); }
  std::size_t bytes_held() const { return m_bytes; }

private:
  // Family, protocol, identification, source and destination (RFC 791 section 3.2; RFC
  // 8200 section 4.5 leaves out the protocol, which every fragment repeats anyway), then
  // the tunnel depth and endpoints (ip_fragment.hpp), which keep apart datagrams that
  // travelled different paths.
  using Key = std::array<std::uint8_t, 72>;

  struct Range {
    std::uint32_t begin;
    std::uint32_t end;
  };

  struct Datagram {
    Key key{};
    TimeNs first_arrival = 0;
    std::uint8_t protocol = 0;        // what the IPv6 Fragment header names, put back in its place
    std::vector<std::uint8_t> header; // the first fragment's unfragmentable part
    std::size_t next_header_at = 0;
    std::vector<std::uint8_t> data; // the fragmentable part, as far as it has come
    std::vector<Range> received;    // disjoint, sorted by begin
    std::uint32_t covered = 0;      // bytes of `data` received
    std::uint32_t end = 0;          // the data's length, once the last fragment came
    bool end_known = false;
    bool discarded = false; // RFC 5722: an IPv6 overlap condemns the whole datagram
  };
  using Datagrams = std::list<Datagram>;

  static Key key_of(const IpFragment& fragment);
  void give_up_expired(TimeNs time);
  void give_up_oldest_beyond_limits();
  void forget(Datagrams::iterator datagram);
  // False when the fragment contradicts what was held, and the datagram is given up.
  bool take_in(Datagram& datagram, const IpFragment& fragment);
  ByteView put_together(const Datagram& datagram, IpFamily family);

  Limits m_limits;
  Datagrams m_datagrams; // oldest first
  std::map<Key, Datagrams::iterator> m_index;
  std::size_t m_bytes = 0;
  std::vector<std::uint8_t> m_whole;
};

} // namespace tcpstate::decode
