#pragma once
// Link decoders for Wi-Fi captures: IEEE 802.11 frames, alone or behind the radio headers
// monitor mode adds (radiotap, PPI, Prism, AVS). Only data frames carry IP; management
// and control frames are non_ip, protected ones encrypted. Private to the decoder.
#include "link_layer.hpp"

namespace tcpstate::decode {

SkipReason decode_ieee80211(ByteView frame, LinkLayer& out);
SkipReason decode_radiotap(ByteView frame, LinkLayer& out);
SkipReason decode_ppi(ByteView frame, LinkLayer& out);
SkipReason decode_prism(ByteView frame, LinkLayer& out);
SkipReason decode_avs(ByteView frame, LinkLayer& out);

} // namespace tcpstate::decode
