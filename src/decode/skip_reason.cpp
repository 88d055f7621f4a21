#include "tcpstate/decode/skip_reason.hpp"

namespace tcpstate::decode {

namespace {
// Spelled exactly like the enumerators: these names appear in JSON/CSV output and must
// stay stable.
constexpr std::array<std::string_view, k_skip_reason_count> k_names = {
    "unsupported_link",   "truncated_link", "non_ip",
    "truncated_ip",       "bad_ip_header",  "ip_fragment",
    "bad_ipv6_extension", "non_tcp",        "truncated_tcp",
    "bad_tcp_header",     "bad_checksum",   "unsupported_encapsulation",
    "encrypted",
};
// A new enumerator without a name would leave the last entry empty.
static_assert(!k_names.back().empty(), "every SkipReason needs a name");
} // namespace

std::string_view skip_reason_name(SkipReason reason) {
  const auto index = static_cast<std::size_t>(reason);
  if (index >= k_names.size()) {
    return "unknown";
  }
  return k_names[index];
}

} // namespace tcpstate::decode
