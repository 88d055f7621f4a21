#pragma once
// LINKTYPE_NFLOG (239): packets logged by Linux netfilter's NFLOG target (iptables
// -j NFLOG, tcpdump -i nflog). Private to the decoder.
#include "link_layer.hpp"

namespace tcpstate::decode {

SkipReason decode_nflog(ByteView frame, LinkLayer& out);

} // namespace tcpstate::decode
