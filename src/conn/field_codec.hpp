#pragma once
// The two directions of a compact, field-by-field encoding of a record (see
// frozen_connection.hpp). One function template lists a record's fields and is called
// with a FieldWriter to encode it and with a FieldReader to decode it, so the two can
// never disagree on the order. Every encoding is exact for every value:
// - whether each field is zero (never set, empty, none) is one bit in a presence map
//   kept before the values, and only the others are written: most of a record's hundred
//   fields are zero, and a byte each was most of a short connection's encoding;
// - counters are LEB128 varints (a small count is one byte);
// - times are offsets from the record's first or last moment, whichever is nearer (one
//   bit says which), packet numbers offsets from its last packet; when every time and
//   duration of the record is a whole number of microseconds (as in most captures), they
//   are counted in those;
// - sequence numbers are 32-bit offsets from a related one (an ISN, a start), zigzagged so
//   that a short step back is as short as a step forward.
#include "tcpstate/util/deep_copied.hpp"
#include "tcpstate/util/time.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

namespace tcpstate::conn {

namespace field_codec {

inline std::uint64_t zigzag(std::uint64_t value) {
  return (value << 1U) ^ (0 - (value >> 63U));
}
inline std::uint64_t unzigzag(std::uint64_t value) {
  return (value >> 1U) ^ (0 - (value & 1U));
}
inline std::uint32_t zigzag32(std::uint32_t value) {
  return (value << 1U) ^ (0 - (value >> 31U));
}
inline std::uint32_t unzigzag32(std::uint32_t value) {
  return (value >> 1U) ^ (0 - (value & 1U));
}

// An offset's code is its zigzagged steps from a base, shifted left by one for the bit
// that picks the base; codes with no room above them are escaped to 8 raw bytes. (0, never
// set, is not written: see the presence map.)
inline constexpr std::uint64_t k_escaped = 0;
inline constexpr std::uint64_t k_first_offset = 1;
inline constexpr std::uint64_t k_largest_steps = (UINT64_MAX - k_first_offset) >> 1U;

inline constexpr std::int64_t k_microsecond = 1000;

} // namespace field_codec

// Encodes into byte buffers that are reused from record to record. Times are counted in
// the unit the writer is given; if one of them is not a whole number of that unit, the
// encoding is unusable and unit_fits() says so (the caller encodes again in nanoseconds).
// The encoding is a byte for the unit, the presence map's length and the map, then the
// values.
class FieldWriter {
public:
  FieldWriter(std::vector<std::uint8_t>& values, std::vector<std::uint8_t>& presence,
              std::uint64_t base_packet, std::int64_t time_unit)
      : m_buffer(values), m_presence(presence), m_base_packet(base_packet),
        m_microseconds(time_unit == field_codec::k_microsecond) {
    m_presence.clear();
  }

  std::size_t size() const {
    const std::size_t presence = presence_bytes();
    return 1 + varint_length(presence) + presence + m_size;
  }
  bool unit_fits() const { return m_unit_fits; }
  // Writes the size() bytes of the encoding to `out`.
  void copy_to(std::uint8_t* out) const {
    *out++ = m_microseconds ? 1 : 0;
    out = put_varint(out, presence_bytes());
    out = std::copy(m_presence.begin(), m_presence.end(), out);
    for (std::size_t bit = 0; bit < m_fields % 64; bit += 8) {
      *out++ = static_cast<std::uint8_t>(m_latest_presence >> bit);
    }
    std::copy_n(m_buffer.begin(), m_size, out);
  }

  void raw(const void* data, std::size_t size) {
    std::memcpy(room(size), data, size);
    m_size += size;
  }
  template <typename T> [[gnu::always_inline]] void plain(T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    std::array<std::uint8_t, sizeof value> bytes;
    std::memcpy(bytes.data(), &value, sizeof value);
    if (present(std::any_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b != 0; }))) {
      raw(bytes.data(), sizeof value);
    }
  }
  template <typename Unsigned> [[gnu::always_inline]] void number(Unsigned& value) {
    static_assert(std::is_unsigned_v<Unsigned>);
    if (present(value != 0)) {
      varint(value);
    }
  }
  // A duration.
  [[gnu::always_inline]] void signed_number(TimeNs& value) {
    const std::uint64_t code = field_codec::zigzag(static_cast<std::uint64_t>(in_unit(value)));
    if (present(code != 0)) {
      varint(code);
    }
  }
  // The record's first moment, the base of its times: written in full, first.
  void base_time(TimeNs& value) {
    varint(field_codec::zigzag(static_cast<std::uint64_t>(value)));
    m_base_time = static_cast<std::uint64_t>(value);
    m_end_time = m_base_time;
  }
  // The record's last moment, the other base of its times: written next.
  void end_time(TimeNs& value) {
    time(value);
    m_end_time = static_cast<std::uint64_t>(value);
  }
  [[gnu::always_inline]] void time(TimeNs& value) {
    if (!present(value != 0)) {
      return;
    }
    const auto time = static_cast<std::uint64_t>(value);
    const std::uint64_t from_base = time_steps(time - m_base_time);
    const std::uint64_t from_end = time_steps(time - m_end_time);
    if (from_base <= from_end) {
      offset(time, from_base, 0);
    } else {
      offset(time, from_end, 1);
    }
  }
  [[gnu::always_inline]] void packet(std::uint64_t& value) {
    if (present(value != 0)) {
      offset(value, field_codec::zigzag(value - m_base_packet), 0);
    }
  }
  [[gnu::always_inline]] void seq(std::uint32_t& value, std::uint32_t base) {
    const std::uint32_t code = field_codec::zigzag32(value - base);
    if (present(code != 0)) {
      varint(code);
    }
  }
  void text(std::string& value) {
    if (present(!value.empty())) {
      varint(value.size());
      raw(value.data(), value.size());
    }
  }
  // `fields(bit)` assigns each of a group of flags from bit(flag): one varint for all.
  template <typename Fields> void bits(Fields&& fields) {
    std::uint64_t packed = 0;
    unsigned count = 0;
    fields([&](bool value) {
      packed |= std::uint64_t{value} << count++;
      return value;
    });
    if (present(packed != 0)) {
      varint(packed);
    }
  }
  template <typename T, typename Fields> void optional(DeepCopied<T>& object, Fields&& fields) {
    if (present(static_cast<bool>(object))) {
      fields(*object);
    }
  }
  template <typename T, typename Element> void sequence(std::vector<T>& items, Element&& element) {
    if (present(!items.empty())) {
      varint(items.size());
      for (T& item : items) {
        element(item);
      }
    }
  }

private:
  static constexpr std::size_t k_longest_varint = 10;

  static std::size_t varint_length(std::uint64_t value) {
    std::size_t length = 1;
    for (; value >= 0x80; value >>= 7U) {
      ++length;
    }
    return length;
  }
  std::size_t presence_bytes() const { return (m_fields + 7) / 8; }
  // Records whether a field is written, and returns it. The bits gather in a word that
  // goes to the map, byte by byte, when full.
  [[gnu::always_inline]] bool present(bool written) {
    m_latest_presence |= std::uint64_t{written} << (m_fields % 64);
    if (++m_fields % 64 == 0) {
      for (unsigned bit = 0; bit < 64; bit += 8) {
        m_presence.push_back(static_cast<std::uint8_t>(m_latest_presence >> bit));
      }
      m_latest_presence = 0;
    }
    return written;
  }

  // At least `size` writable bytes at the end of what is written.
  [[gnu::always_inline]] std::uint8_t* room(std::size_t size) {
    if (m_size + size > m_buffer.size()) {
      m_buffer.resize(std::max(2 * m_buffer.size(), m_size + size + 256));
    }
    return m_buffer.data() + m_size;
  }
  // Writes `value` at `out`; returns the end of what it wrote.
  [[gnu::always_inline]] static std::uint8_t* put_varint(std::uint8_t* out, std::uint64_t value) {
    while (value >= 0x80) {
      *out++ = static_cast<std::uint8_t>(value | 0x80U);
      value >>= 7U;
    }
    *out++ = static_cast<std::uint8_t>(value);
    return out;
  }
  [[gnu::always_inline]] void varint(std::uint64_t value) {
    std::uint8_t* out = room(k_longest_varint);
    m_size += static_cast<std::size_t>(put_varint(out, value) - out);
  }
  // A division by a constant is a multiplication; by a variable it would be a division.
  [[gnu::always_inline]] std::int64_t in_unit(std::int64_t steps) {
    if (!m_microseconds) {
      return steps;
    }
    m_unit_fits = m_unit_fits && steps % field_codec::k_microsecond == 0;
    return steps / field_codec::k_microsecond;
  }
  [[gnu::always_inline]] std::uint64_t time_steps(std::uint64_t difference) {
    return field_codec::zigzag(
        static_cast<std::uint64_t>(in_unit(static_cast<std::int64_t>(difference))));
  }
  // `steps`: zigzagged steps from the base that `base_bit` names.
  [[gnu::always_inline]] void offset(std::uint64_t value, std::uint64_t steps,
                                     std::uint64_t base_bit) {
    if (steps > field_codec::k_largest_steps) {
      varint(field_codec::k_escaped);
      raw(&value, sizeof value);
    } else {
      varint(((steps << 1U) | base_bit) + field_codec::k_first_offset);
    }
  }

  std::vector<std::uint8_t>& m_buffer;
  std::size_t m_size = 0;
  std::vector<std::uint8_t>& m_presence; // a bit per field, from the lowest
  std::uint64_t m_latest_presence = 0;   // the bits of the fields past the map's
  std::size_t m_fields = 0;
  std::uint64_t m_base_packet;
  bool m_microseconds;
  bool m_unit_fits = true;
  std::uint64_t m_base_time = 0;
  std::uint64_t m_end_time = 0;
};

class FieldReader {
public:
  FieldReader(const std::uint8_t* data, std::uint64_t base_packet)
      : m_next(data), m_base_packet(base_packet),
        m_time_unit(*m_next++ == 0 ? 1 : field_codec::k_microsecond) {
    const auto presence_length = static_cast<std::size_t>(varint());
    m_presence = m_next;
    m_next += presence_length;
  }

  void raw(void* data, std::size_t size) {
    std::memcpy(data, m_next, size);
    m_next += size;
  }
  template <typename T> void plain(T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    std::array<std::uint8_t, sizeof value> bytes{};
    if (present()) {
      raw(bytes.data(), sizeof value);
    }
    std::memcpy(&value, bytes.data(), sizeof value);
  }
  template <typename Unsigned> void number(Unsigned& value) {
    static_assert(std::is_unsigned_v<Unsigned>);
    value = static_cast<Unsigned>(present() ? varint() : 0);
  }
  void signed_number(TimeNs& value) {
    value = present() ? static_cast<TimeNs>(field_codec::unzigzag(varint())) * m_time_unit : 0;
  }
  void base_time(TimeNs& value) {
    value = static_cast<TimeNs>(field_codec::unzigzag(varint()));
    m_base_time = static_cast<std::uint64_t>(value);
    m_end_time = m_base_time;
  }
  void end_time(TimeNs& value) {
    time(value);
    m_end_time = static_cast<std::uint64_t>(value);
  }
  [[gnu::always_inline]] void time(TimeNs& value) {
    value = present() ? static_cast<TimeNs>(offset(m_base_time, m_end_time, m_time_unit)) : 0;
  }
  [[gnu::always_inline]] void packet(std::uint64_t& value) {
    value = present() ? offset(m_base_packet, m_base_packet, 1) : 0;
  }
  [[gnu::always_inline]] void seq(std::uint32_t& value, std::uint32_t base) {
    value = base + (present() ? field_codec::unzigzag32(static_cast<std::uint32_t>(varint())) : 0);
  }
  void text(std::string& value) {
    value.resize(present() ? static_cast<std::size_t>(varint()) : 0);
    raw(value.data(), value.size());
  }
  template <typename Fields> void bits(Fields&& fields) {
    const std::uint64_t packed = present() ? varint() : 0;
    unsigned count = 0;
    fields([&](bool) { return ((packed >> count++) & 1U) != 0; });
  }
  template <typename T, typename Fields> void optional(DeepCopied<T>& object, Fields&& fields) {
    if (!present()) {
      object = std::unique_ptr<T>();
      return;
    }
    object = std::make_unique<T>();
    fields(*object);
  }
  template <typename T, typename Element> void sequence(std::vector<T>& items, Element&& element) {
    items.resize(present() ? static_cast<std::size_t>(varint()) : 0);
    for (T& item : items) {
      element(item);
    }
  }

private:
  [[gnu::always_inline]] bool present() {
    const bool written =
        ((static_cast<unsigned>(m_presence[m_fields / 8]) >> (m_fields % 8)) & 1U) != 0;
    ++m_fields;
    return written;
  }
  [[gnu::always_inline]] std::uint64_t varint() {
    std::uint64_t value = 0;
    for (unsigned shift = 0;; shift += 7) {
      const std::uint8_t byte = *m_next++;
      value |= std::uint64_t{byte & 0x7fU} << shift;
      if (byte < 0x80) {
        return value;
      }
    }
  }
  [[gnu::always_inline]] std::uint64_t offset(std::uint64_t base, std::uint64_t other_base,
                                              std::int64_t unit) {
    const std::uint64_t code = varint();
    if (code == field_codec::k_escaped) {
      std::uint64_t value = 0;
      raw(&value, sizeof value);
      return value;
    }
    const std::uint64_t shifted = code - field_codec::k_first_offset;
    const auto steps = static_cast<std::int64_t>(field_codec::unzigzag(shifted >> 1U));
    return ((shifted & 1U) == 0 ? base : other_base) + static_cast<std::uint64_t>(steps * unit);
  }

  const std::uint8_t* m_next;
  const std::uint8_t* m_presence = nullptr;
  std::size_t m_fields = 0;
  std::uint64_t m_base_packet;
  std::int64_t m_time_unit;
  std::uint64_t m_base_time = 0;
  std::uint64_t m_end_time = 0;
};

} // namespace tcpstate::conn
