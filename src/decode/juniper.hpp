#pragma once
// LINKTYPE_JUNIPER_ETHER (178): Ethernet frames as a Juniper router captures them, behind
// Juniper's own header. Private to the decoder.
#include "link_layer.hpp"

namespace tcpstate::decode {

SkipReason decode_juniper_ethernet(ByteView frame, LinkLayer& out);

} // namespace tcpstate::decode
