#include "tcpstate/source/merged_source.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <utility>

namespace tcpstate::source {
namespace {

class MergedSource final : public PacketSource {
public:
  explicit MergedSource(std::vector<std::unique_ptr<PacketSource>> inputs)
      : m_inputs(std::move(inputs)), m_heads(m_inputs.size()) {
    m_queue.reserve(m_inputs.size());
  }

  bool next(RawPacket& packet) override {
    // An input's bytes stay valid only until its next call, so the input whose packet was
    // handed out last time is advanced now, once the caller is done with that packet.
    if (!m_started) {
      m_started = true;
      for (std::size_t i = 0; i < m_inputs.size(); ++i) {
        advance(i);
      }
    } else if (m_handed_out != k_none) {
      advance(m_handed_out);
    }
    m_handed_out = k_none;
    if (m_queue.empty()) {
      return false;
    }
    std::pop_heap(m_queue.begin(), m_queue.end(), later_than());
    m_handed_out = m_queue.back();
    m_queue.pop_back();
    packet = m_heads[m_handed_out];
    return true;
  }

  const std::vector<std::string>& errors() const override {
    m_errors.clear();
    for (const auto& input : m_inputs) {
      m_errors.insert(m_errors.end(), input->errors().begin(), input->errors().end());
    }
    return m_errors;
  }

  // An input's error lines are final once it has run out, so a running sum suffices.
  std::size_t error_count() const override { return m_error_count; }

  // m_inputs itself never changes after construction, so summing is as thread-safe as
  // each input's own count.
  std::uint64_t bytes_read() const override {
    std::uint64_t total = 0;
    for (const auto& input : m_inputs) {
      total += input->bytes_read();
    }
    return total;
  }

private:
  static constexpr std::size_t k_none = std::numeric_limits<std::size_t>::max();

  // Heap order: the earliest packet on top, ties to the input given first, so that equal
  // timestamps come out in input order.
  struct LaterThan {
    const std::vector<RawPacket>* heads;
    bool operator()(std::size_t a, std::size_t b) const {
      const TimeNs time_a = (*heads)[a].time;
      const TimeNs time_b = (*heads)[b].time;
      return time_a > time_b || (time_a == time_b && a > b);
    }
  };
  LaterThan later_than() const { return LaterThan{&m_heads}; }

  void advance(std::size_t input) {
    if (m_inputs[input]->next(m_heads[input])) {
      m_queue.push_back(input);
      std::push_heap(m_queue.begin(), m_queue.end(), later_than());
    } else {
      m_error_count += m_inputs[input]->error_count();
    }
  }

  std::vector<std::unique_ptr<PacketSource>> m_inputs;
  std::vector<RawPacket> m_heads;   // each input's next packet, valid while it is queued
  std::vector<std::size_t> m_queue; // heap of the inputs that have a head packet
  std::size_t m_handed_out = k_none;
  bool m_started = false;
  std::size_t m_error_count = 0;
  mutable std::vector<std::string> m_errors;
};

} // namespace

std::unique_ptr<PacketSource> merge_by_time(std::vector<std::unique_ptr<PacketSource>> inputs) {
  if (inputs.size() == 1) {
    return std::move(inputs.front());
  }
  return std::make_unique<MergedSource>(std::move(inputs));
}

} // namespace tcpstate::source
