#include "tcpstate/source/merged_source.hpp"

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

using namespace tcpstate;
using namespace tcpstate::source;

namespace {

// Packets of one byte, a tag, held in a single buffer that every call overwrites: like a
// capture reader, a packet's bytes die at the source's next call.
class ScriptedSource final : public PacketSource {
public:
  ScriptedSource(std::vector<std::pair<TimeNs, std::uint8_t>> script,
                 std::vector<std::string> errors = {})
      : m_script(std::move(script)), m_errors(std::move(errors)) {}

  bool next(RawPacket& packet) override {
    m_buffer[0] = 0xee;
    if (m_next == m_script.size()) {
      return false;
    }
    packet.time = m_script[m_next].first;
    m_buffer[0] = m_script[m_next].second;
    packet.data = ByteView{m_buffer.data(), 1};
    packet.wire_length = 1;
    ++m_next;
    return true;
  }

  const std::vector<std::string>& errors() const override { return m_errors; }

private:
  std::vector<std::pair<TimeNs, std::uint8_t>> m_script;
  std::vector<std::string> m_errors;
  std::size_t m_next = 0;
  std::array<std::uint8_t, 1> m_buffer{};
};

std::vector<std::uint8_t> tags_in_order(PacketSource& source) {
  std::vector<std::uint8_t> tags;
  RawPacket packet;
  while (source.next(packet)) {
    REQUIRE(packet.data.size() == 1);
    tags.push_back(packet.data[0]);
  }
  return tags;
}

} // namespace

TEST_CASE("source::merge_by_time interleaves by timestamp") {
  std::vector<std::unique_ptr<PacketSource>> inputs;
  inputs.push_back(std::make_unique<ScriptedSource>(
      std::vector<std::pair<TimeNs, std::uint8_t>>{{10, 1}, {30, 3}, {50, 5}}));
  inputs.push_back(std::make_unique<ScriptedSource>(
      std::vector<std::pair<TimeNs, std::uint8_t>>{{20, 2}, {40, 4}, {60, 6}, {70, 7}}));
  inputs.push_back(
      std::make_unique<ScriptedSource>(std::vector<std::pair<TimeNs, std::uint8_t>>{}));
  auto merged = merge_by_time(std::move(inputs));
  // Each tag is read after next() returned, so a merge that advanced the input early
  // would show the next tag (or 0xee) instead.
  CHECK(tags_in_order(*merged) == std::vector<std::uint8_t>{1, 2, 3, 4, 5, 6, 7});
  RawPacket packet;
  CHECK_FALSE(merged->next(packet));
  CHECK(merged->errors().empty());
}

TEST_CASE("source::merge_by_time keeps input order for equal timestamps") {
  std::vector<std::unique_ptr<PacketSource>> inputs;
  inputs.push_back(std::make_unique<ScriptedSource>(
      std::vector<std::pair<TimeNs, std::uint8_t>>{{5, 10}, {5, 11}, {9, 12}}));
  inputs.push_back(std::make_unique<ScriptedSource>(
      std::vector<std::pair<TimeNs, std::uint8_t>>{{5, 20}, {9, 21}}));
  inputs.push_back(std::make_unique<ScriptedSource>(
      std::vector<std::pair<TimeNs, std::uint8_t>>{{1, 30}, {5, 31}}));
  auto merged = merge_by_time(std::move(inputs));
  CHECK(tags_in_order(*merged) == std::vector<std::uint8_t>{30, 10, 11, 20, 31, 12, 21});
}

TEST_CASE("source::merge_by_time keeps a source's own order when its clock steps back") {
  std::vector<std::unique_ptr<PacketSource>> inputs;
  inputs.push_back(std::make_unique<ScriptedSource>(
      std::vector<std::pair<TimeNs, std::uint8_t>>{{10, 1}, {5, 2}, {20, 3}}));
  inputs.push_back(
      std::make_unique<ScriptedSource>(std::vector<std::pair<TimeNs, std::uint8_t>>{{7, 4}}));
  auto merged = merge_by_time(std::move(inputs));
  CHECK(tags_in_order(*merged) == std::vector<std::uint8_t>{4, 1, 2, 3});
}

TEST_CASE("source::merge_by_time collects every input's errors") {
  std::vector<std::unique_ptr<PacketSource>> inputs;
  inputs.push_back(std::make_unique<ScriptedSource>(
      std::vector<std::pair<TimeNs, std::uint8_t>>{{1, 1}}, std::vector<std::string>{"a: bad"}));
  inputs.push_back(
      std::make_unique<ScriptedSource>(std::vector<std::pair<TimeNs, std::uint8_t>>{{2, 2}}));
  inputs.push_back(std::make_unique<ScriptedSource>(std::vector<std::pair<TimeNs, std::uint8_t>>{},
                                                    std::vector<std::string>{"c: worse"}));
  auto merged = merge_by_time(std::move(inputs));
  CHECK(tags_in_order(*merged).size() == 2);
  CHECK(merged->errors() == std::vector<std::string>{"a: bad", "c: worse"});
}

TEST_CASE("source::merge_by_time of one input is that input") {
  std::vector<std::unique_ptr<PacketSource>> inputs;
  inputs.push_back(
      std::make_unique<ScriptedSource>(std::vector<std::pair<TimeNs, std::uint8_t>>{{1, 1}}));
  const PacketSource* only = inputs.front().get();
  auto merged = merge_by_time(std::move(inputs));
  CHECK(merged.get() == only);
}

TEST_CASE("source::merge_by_time of no input is empty") {
  auto merged = merge_by_time({});
  RawPacket packet;
  CHECK_FALSE(merged->next(packet));
  CHECK(merged->errors().empty());
}
