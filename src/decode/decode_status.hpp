#pragma once
// How the decoder stages report to each other without exceptions: each returns the reason
// the frame is skipped, or k_decoded when decoding goes on to the next layer.
#include "tcpstate/decode/skip_reason.hpp"

namespace tcpstate::decode {

// SkipReason::count is never a real reason, so it doubles as "nothing to skip".
inline constexpr SkipReason k_decoded = SkipReason::count;

} // namespace tcpstate::decode
