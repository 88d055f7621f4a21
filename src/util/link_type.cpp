#include "tcpstate/util/link_type.hpp"

namespace tcpstate {

namespace {
// DLT_RAW is 12 on most systems and 14 on OpenBSD; old writers stored these DLT_ values
// in files instead of LINKTYPE_RAW.
constexpr std::uint32_t k_dlt_raw = 12;
constexpr std::uint32_t k_dlt_raw_openbsd = 14;
} // namespace

LinkType normalize_link_type(std::uint32_t value) {
  if (value == k_dlt_raw || value == k_dlt_raw_openbsd) {
    return LinkType::raw;
  }
  return static_cast<LinkType>(value);
}

} // namespace tcpstate
