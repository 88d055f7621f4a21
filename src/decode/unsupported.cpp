#include "tcpstate/decode/unsupported.hpp"

#include "decode_status.hpp"
#include "ip_layer.hpp"
#include "link_layer.hpp"
#include "tunnel.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

namespace tcpstate::decode {

namespace {

std::string hex16(std::uint32_t value) {
  std::array<char, 16> text{};
  std::snprintf(text.data(), text.size(), "0x%04x", static_cast<unsigned>(value));
  return text.data();
}

} // namespace

std::string describe(Unsupported unsupported) {
  switch (unsupported.kind) {
  case UnsupportedKind::none:
    break;
  case UnsupportedKind::link_type:
    return "link type " + std::to_string(unsupported.value);
  case UnsupportedKind::ethertype:
    return "ethertype " + hex16(unsupported.value);
  case UnsupportedKind::gre_protocol:
    return "GRE protocol " + hex16(unsupported.value);
  case UnsupportedKind::ppp_protocol:
    return "PPP protocol " + hex16(unsupported.value);
  case UnsupportedKind::ieee80211:
    return "802.11 fragment";
  case UnsupportedKind::arcnet_fragment:
    return "ARCNET fragment";
  }
  return "other";
}

// The same layer-by-layer walk as decode_segment (decoder.cpp), stopping where it stops.
Unsupported find_unsupported(LinkType link, ByteView frame, std::uint32_t subframe) {
  bool aggregate_met = false;
  for (unsigned depth = 0; depth <= k_max_tunnel_depth; ++depth) {
    LinkLayer link_layer;
    if (!aggregate_met) {
      link_layer.subframe = subframe;
    }
    const SkipReason link_reason = decode_link_layer(link, frame, link_layer);
    aggregate_met = aggregate_met || link_layer.aggregate;
    if (link_reason != k_decoded) {
      return link_layer.unsupported;
    }
    const ByteView packet = frame.subspan(link_layer.header_length);
    IpLayer ip;
    TunnelledFrame inner;
    if (decode_ip_header(link_layer.network, packet, ip) != SkipReason::non_tcp) {
      break;
    }
    if (!find_tunnelled_frame(ip, packet, inner)) {
      return inner.unsupported;
    }
    link = inner.link;
    frame = inner.frame;
  }
  return {};
}

void UnsupportedTally::add(Unsupported what, std::uint64_t frames) {
  const auto found = std::find_if(m_entries.begin(), m_entries.end(),
                                  [&](const Entry& entry) { return entry.what == what; });
  if (found != m_entries.end()) {
    found->frames += frames;
    return;
  }
  if (m_entries.size() + 1 < k_max_distinct) {
    m_entries.push_back({what, frames});
    return;
  }
  // The last slot gathers everything past the cap, as "other".
  if (m_entries.size() + 1 == k_max_distinct) {
    m_entries.push_back({Unsupported{}, 0});
  }
  m_entries.back().frames += frames;
}

} // namespace tcpstate::decode
