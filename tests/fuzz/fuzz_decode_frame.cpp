// libFuzzer target: one captured frame through the link, IP and TCP decoders.
// The first byte chooses the link type (every supported one, plus one that is not); the
// rest is the frame. Both checksum policies run, and a decoded segment must agree with the
// frame it came from. A frame skipped as a fragment is located and offered, twice, to a
// reassembler.
#include "tcpstate/decode/decoder.hpp"
#include "tcpstate/decode/fragment_reassembler.hpp"
#include "tcpstate/decode/ip_fragment.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

namespace {

using tcpstate::LinkType;

constexpr std::array k_links{
    LinkType::null,
    LinkType::ethernet,
    LinkType::raw,
    LinkType::loop,
    LinkType::linux_sll,
    LinkType::ipv4,
    LinkType::ipv6,
    LinkType::linux_sll2,
    LinkType::ppp,
    LinkType::ppp_hdlc,
    LinkType::ppp_ether,
    LinkType::c_hdlc,
    static_cast<LinkType>(147), // LINKTYPE_USER0: unsupported, must be skipped
    // Appended: a saved regression input whose first byte is below the earlier count
    // keeps its link type.
    LinkType::frame_relay,
    LinkType::arcnet_linux,
    LinkType::juniper_ether,
    LinkType::ieee802_11,
    LinkType::ieee802_11_radiotap,
};

void check(bool condition) {
  if (!condition) {
    std::abort();
  }
}

// The fragment lies inside the frame, its data behind its headers; offered twice, the
// second time as an exact duplicate, and whatever comes back whole decodes consistently.
void check_fragment(LinkType link, tcpstate::ByteView frame) {
  using namespace tcpstate::decode;
  IpFragment fragment;
  if (!find_ip_fragment(link, frame, ChecksumPolicy::ignore, fragment)) {
    return;
  }
  check(fragment.packet.data() >= frame.data() &&
        fragment.packet.data() + fragment.packet.size() <= frame.data() + frame.size());
  check(fragment.unfragmentable_length <= fragment.data_start &&
        fragment.data_start <= fragment.packet.size());
  FragmentReassembler reassembler;
  for (int offered = 0; offered < 2; ++offered) {
    const tcpstate::ByteView whole = reassembler.add(fragment, 0);
    if (!whole.empty()) {
      const DecodeResult decoded = decode_frame(LinkType::raw, whole, ChecksumPolicy::ignore);
      check(!decoded.ok || decoded.segment.ip_length == whole.size());
    }
  }
}

// An 802.11 A-MSDU aggregate's later packets, one call each: every one starts past the one
// before, so the walk ends, and each decodes as consistently as a frame of its own.
void check_later_subframes(LinkType link, tcpstate::ByteView frame) {
  using namespace tcpstate::decode;
  TcpSegment segment;
  SkipReason reason = SkipReason::count;
  std::uint32_t subframe = 0;
  decode_frame(link, frame, ChecksumPolicy::ignore, segment, reason, FrameExtent::maybe_cut,
               subframe);
  while (subframe != 0) {
    const std::uint32_t at = subframe;
    check(at < frame.size());
    const bool ok = decode_frame(link, frame, ChecksumPolicy::ignore, segment, reason,
                                 FrameExtent::maybe_cut, subframe);
    check(subframe == 0 || subframe > at);
    check(!ok || segment.payload_length <= segment.ip_length);
    if (!ok && reason == SkipReason::ip_fragment) {
      IpFragment fragment;
      if (find_ip_fragment(link, frame, ChecksumPolicy::ignore, fragment, at)) {
        check(fragment.packet.data() >= frame.data() &&
              fragment.packet.data() + fragment.packet.size() <= frame.data() + frame.size());
      }
    }
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  const LinkType link = k_links[data[0] % k_links.size()];
  const tcpstate::ByteView frame{data + 1, size - 1};
  using tcpstate::decode::ChecksumPolicy;
  const auto ignored = tcpstate::decode::decode_frame(link, frame, ChecksumPolicy::ignore);
  const auto verified = tcpstate::decode::decode_frame(link, frame, ChecksumPolicy::verify);
  // Verifying can only turn a segment away, never accept one that ignoring turned away.
  check(!verified.ok || ignored.ok);
  check_later_subframes(link, frame);
  if (!ignored.ok) {
    check(ignored.reason < tcpstate::decode::SkipReason::count);
    // The same reason, unless the header checksum of an IPv4 tunnel around the packet is
    // wrong: verifying stops there, before the inner packet that failed.
    check(verified.reason == ignored.reason ||
          verified.reason == tcpstate::decode::SkipReason::bad_ip_header);
    if (ignored.reason == tcpstate::decode::SkipReason::ip_fragment) {
      check_fragment(link, frame);
    }
    return 0;
  }
  if (!verified.ok) {
    // Verifying checks the TCP checksum and, for IPv4, the header checksum.
    using tcpstate::decode::SkipReason;
    check(verified.reason == SkipReason::bad_checksum ||
          verified.reason == SkipReason::bad_ip_header);
  }
  check(ignored.segment.payload_length <= ignored.segment.ip_length);
  check(ignored.segment.ip_length <= 0xffff + 40 || ignored.segment.ip_length <= frame.size());
  return 0;
}
