#pragma once
// What a frame skipped as unsupported_link or unsupported_encapsulation was wrapped in, so
// the summary can name it: a user who gets no connections learns which link type or
// protocol number stood in the way. Worked out again off the per-packet path.
#include "tcpstate/decode/skip_reason.hpp"
#include "tcpstate/util/byte_view.hpp"
#include "tcpstate/util/link_type.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tcpstate::decode {

enum class UnsupportedKind : std::uint8_t {
  none,
  link_type,       // the capture's LINKTYPE_ value
  ethertype,       // an Ethernet, VLAN, SLL or SNAP type field
  gre_protocol,    // GRE's protocol type (an EtherType value), or a GRE version or routing
  ppp_protocol,    // a PPP protocol number that is neither IP nor a control protocol
  ieee80211,       // an 802.11 data frame form: 2 a fragment after the first
  arcnet_fragment, // an RFC 1201 fragment of an ARCNET packet after the first
};

struct Unsupported {
  UnsupportedKind kind = UnsupportedKind::none;
  std::uint32_t value = 0;
  bool operator==(const Unsupported&) const = default;
};

// "link type 105", "ethertype 0x88e7", "GRE protocol 0x8200", "PPP protocol 0x002d",
// "802.11 fragment", "ARCNET fragment";
// "other" for kind none.
std::string describe(Unsupported unsupported);

// The reasons find_unsupported can say more about.
inline bool names_unsupported(SkipReason reason) {
  return reason == SkipReason::unsupported_link || reason == SkipReason::unsupported_encapsulation;
}

// What stopped the decoding of `frame`, when it was an unsupported link type or
// encapsulation; kind none otherwise. `subframe` names the packet of an A-MSDU aggregate,
// as decode_frame (decoder.hpp) was given it.
Unsupported find_unsupported(LinkType link, ByteView frame, std::uint32_t subframe = 0);

// Frames counted by what stopped them, in order of first appearance. A capture holds few
// distinct ones; a hostile one could hold thousands, so past k_max_distinct - 1 the rest
// are counted together in a last entry of kind none ("other").
class UnsupportedTally {
public:
  static constexpr std::size_t k_max_distinct = 16;
  struct Entry {
    Unsupported what;
    std::uint64_t frames = 0;
  };
  void add(Unsupported what, std::uint64_t frames = 1);
  const std::vector<Entry>& entries() const { return m_entries; }
  bool empty() const { return m_entries.empty(); }

private:
  std::vector<Entry> m_entries;
};

} // namespace tcpstate::decode
