#pragma once
// LINKTYPE_FRELAY (107): Frame Relay frames, from the Q.922 address on, without flags or
// FCS. Private to the decoder.
#include "link_layer.hpp"

namespace tcpstate::decode {

SkipReason decode_frame_relay(ByteView frame, LinkLayer& out);

} // namespace tcpstate::decode
