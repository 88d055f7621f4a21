#include "cli/unsupported_warning.hpp"
#include "sink/summary_writer.hpp"

#include "tcpstate/decode/skip_reason.hpp"
#include "tcpstate/decode/unsupported.hpp"
#include "tcpstate/sink/summary.hpp"

#include <doctest/doctest.h>

#include <cstddef>
#include <string>

using namespace tcpstate;
using namespace tcpstate::sink;
using decode::SkipReason;
using decode::UnsupportedKind;

namespace {

Summary summary_with_unsupported() {
  Summary summary;
  summary.capture.packets_read = 9;
  summary.capture.skipped[static_cast<std::size_t>(SkipReason::unsupported_link)] = 2;
  summary.capture.skipped[static_cast<std::size_t>(SkipReason::unsupported_encapsulation)] = 7;
  summary.capture.unsupported.add({UnsupportedKind::ethertype, 0x88e7}, 4);
  summary.capture.unsupported.add({UnsupportedKind::link_type, 147}, 2);
  summary.capture.unsupported.add({UnsupportedKind::gre_protocol, 0x8200}, 3);
  return summary;
}

} // namespace

TEST_CASE("summary names what was unsupported") {
  const Summary summary = summary_with_unsupported();

  SUBCASE("table: under the reason it was counted as") {
    std::string out;
    append_summary_table(out, summary);
    const std::size_t link = out.find("    unsupported_link");
    const std::size_t link_type = out.find("      link type 147");
    const std::size_t encapsulation = out.find("    unsupported_encapsulation");
    const std::size_t ethertype = out.find("      ethertype 0x88e7");
    const std::size_t gre = out.find("      GRE protocol 0x8200");
    REQUIRE(link != std::string::npos);
    REQUIRE(encapsulation != std::string::npos);
    CHECK(link < link_type);
    CHECK(link_type < encapsulation);
    CHECK(encapsulation < ethertype);
    CHECK(ethertype < gre);
    CHECK(gre != std::string::npos);
  }
  SUBCASE("csv: one row each, after the skip reasons") {
    std::string out;
    append_summary_csv(out, summary, true);
    CHECK(out.find("unsupported,unsupported_encapsulation,ethertype 0x88e7,4\n"
                   "unsupported,unsupported_link,link type 147,2\n"
                   "unsupported,unsupported_encapsulation,GRE protocol 0x8200,3\n") >
          out.find("skipped,,encrypted,0\n"));
  }
  SUBCASE("json: an object after the skip reasons") {
    std::string out;
    append_summary_json(out, summary);
    CHECK(out.find(R"("encrypted":0},"unsupported":{"ethertype 0x88e7":4,"link type 147":2,)"
                   R"("GRE protocol 0x8200":3},"close":)") != std::string::npos);
  }
  SUBCASE("nothing unsupported, nothing added") {
    Summary plain;
    std::string csv;
    std::string json;
    append_summary_csv(csv, plain, true);
    append_summary_json(json, plain);
    CHECK(csv.find("unsupported,") == std::string::npos);
    CHECK(json.find(R"("unsupported":)") == std::string::npos);
  }
}

TEST_CASE("cli::unsupported_warning") {
  CHECK(cli::unsupported_warning(Summary{}.capture).empty());
  CHECK(cli::unsupported_warning(summary_with_unsupported().capture) ==
        "warning: 9 frames skipped in link types or encapsulations tcpstate does not decode: "
        "ethertype 0x88e7 (4), link type 147 (2), GRE protocol 0x8200 (3)");
}
