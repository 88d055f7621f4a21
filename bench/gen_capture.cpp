// gen_capture: a fast, deterministic generator of realistic classic-pcap (Ethernet) TCP
// captures for benchmarking tcpstate, and of the per-connection outcome tcpstate should
// report for them (the "expected" CSV, checked by bench/check_outcomes.py).
//
// Traffic: interleaved client/server connections (IPv4 and IPv6) arriving as a Poisson
// process, each a handshake, request/response rounds with MSS-sized data segments and
// ACKs, an idle time and then a close: FIN by the client or by the server (the active
// closer ends in TIME_WAIT, CLOSED once 2*MSL = 60 s of capture time have passed), RST,
// a refused SYN (RST|ACK), an unanswered SYN (retransmitted 1 s and 3 s later), data
// retransmissions and four-tuple reuse. --syn-flood N adds N spoofed-source SYNs to one
// server. The capture stops after --packets packets, cutting the connections in flight.
//
// The expected outcome follows tcpstate's semantics (src/conn/): RFC 9293 states of both
// endpoints at capture end, with its timers (TIME_WAIT 60 s, SYN_SENT gives up 127 s after
// the first SYN, SYN_RECEIVED 63 s after the first SYN-ACK, FIN_WAIT_2 60 s), its close
// kinds and the anomalies the generated traffic can show (half_open, rst_instead_of_fin,
// missing_time_wait, refused, syn_unanswered, syn_flood; notes: tuple_reuse).
//
// All randomness comes from one seeded xoshiro256** stream: same options, same bytes.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <queue>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

using i64 = std::int64_t;
using u8 = std::uint8_t;
using u16 = std::uint16_t;
using u32 = std::uint32_t;
using u64 = std::uint64_t;

constexpr i64 k_us = 1;
constexpr i64 k_ms = 1000 * k_us;
constexpr i64 k_s = 1000 * k_ms;
constexpr i64 k_base_time = 1'700'000'000LL * k_s; // capture start, µs since the epoch

// tcpstate's defaults (include/tcpstate/conn/analysis_config.hpp).
constexpr i64 k_time_wait = 60 * k_s;
constexpr i64 k_handshake_timeout = 127 * k_s;
constexpr i64 k_synack_timeout = 63 * k_s;
constexpr i64 k_fin_wait_2_timeout = 60 * k_s;
constexpr i64 k_close_wait_timeout = 60 * k_s;
constexpr u32 k_flood_threshold = 100;
constexpr i64 k_flood_window_ns = 10LL * 1000 * 1000 * 1000;

// ---------------------------------------------------------------------------------------
struct Rng {
  u64 s[4];
  explicit Rng(u64 seed) {
    for (u64& word : s) { // splitmix64
      seed += 0x9e3779b97f4a7c15ULL;
      u64 z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      word = z ^ (z >> 31);
    }
  }
  static u64 rotl(u64 x, int k) { return (x << k) | (x >> (64 - k)); }
  u64 next() {
    const u64 result = rotl(s[1] * 5, 7) * 9;
    const u64 t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  u64 below(u64 n) { return n == 0 ? 0 : next() % n; }
  i64 range(i64 lo, i64 hi) { return lo + static_cast<i64>(below(static_cast<u64>(hi - lo + 1))); }
  double exponential(double mean) { return -mean * std::log(1.0 - uniform()); }
  i64 log_uniform(i64 lo, i64 hi) {
    return static_cast<i64>(
        std::exp(std::log(double(lo)) + uniform() * (std::log(double(hi)) - std::log(double(lo)))));
  }
  bool chance(double p) { return uniform() < p; }
};

// ---------------------------------------------------------------------------------------
// States, named as tcpstate prints them.
enum St : u8 {
  CLOSED,
  LISTEN,
  SYN_SENT,
  SYN_RECEIVED,
  ESTABLISHED,
  FIN_WAIT_1,
  FIN_WAIT_2,
  CLOSE_WAIT,
  CLOSING,
  LAST_ACK,
  TIME_WAIT
};
const char* state_name(u8 s) {
  static const char* names[] = {"CLOSED",      "LISTEN",     "SYN_SENT",   "SYN_RECEIVED",
                                "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "CLOSE_WAIT",
                                "CLOSING",     "LAST_ACK",   "TIME_WAIT"};
  return names[s];
}
bool synchronized(u8 s) {
  return s != CLOSED && s != LISTEN && s != SYN_SENT && s != SYN_RECEIVED;
}

// Anomaly bits in tcpstate's order (include/tcpstate/anomaly/anomaly.hpp).
enum Anom : u16 {
  A_HALF_OPEN = 1,
  A_RST_INSTEAD_OF_FIN = 2,
  A_MISSING_TIME_WAIT = 4,
  A_CLOSE_WAIT_LEAK = 8,
  A_LAST_ACK_STUCK = 16,
  A_REFUSED = 32,
  A_SYN_UNANSWERED = 64,
  A_SYN_FLOOD = 128
};
const char* k_anomaly_names[] = {"half_open",       "rst_instead_of_fin", "missing_time_wait",
                                 "close_wait_leak", "last_ack_stuck",     "refused",
                                 "syn_unanswered",  "syn_flood"};
enum NoteBit : u16 {
  N_TUPLE_REUSE = 8
}; // bit 3: midstream, simultaneous_open, _close, tuple_reuse

namespace F {
constexpr u8 fin = 0x01, syn = 0x02, rst = 0x04, psh = 0x08, ack = 0x10;
}

bool seq_before(u32 a, u32 b) {
  return static_cast<std::int32_t>(a - b) < 0;
}
bool seq_after_eq(u32 a, u32 b) {
  return !seq_before(a, b);
}

// ---------------------------------------------------------------------------------------
// SYN flood detector replica (src/anomaly/syn_flood_detector.cpp), per server id.
struct FloodReplica {
  static constexpr int k_buckets = 16;
  static constexpr i64 k_width = k_flood_window_ns / k_buckets;
  struct Interval {
    i64 begin, end;
  };
  struct Window {
    i64 newest = 0;
    u32 counts[k_buckets] = {};
    u64 in_window = 0;
    std::vector<Interval> floods;
  };
  std::vector<Window> servers;

  void advance(Window& w, i64 bucket) {
    if (bucket <= w.newest)
      return;
    const i64 steps = bucket - w.newest;
    if (steps >= k_buckets) {
      std::fill(std::begin(w.counts), std::end(w.counts), 0U);
      w.in_window = 0;
    } else {
      for (i64 b = w.newest + 1; b <= bucket; ++b) {
        u32& slot = w.counts[static_cast<std::size_t>(b) % k_buckets];
        w.in_window -= slot;
        slot = 0;
      }
    }
    w.newest = bucket;
  }
  void started(u32 server, i64 time_us) {
    const i64 t = time_us * 1000;
    Window& w = servers[server];
    const i64 bucket = t / k_width;
    advance(w, bucket);
    w.counts[static_cast<std::size_t>(bucket) % k_buckets]++;
    w.in_window++;
    if (w.in_window <= k_flood_threshold)
      return;
    const Interval now{t - k_flood_window_ns, t};
    if (!w.floods.empty() && w.floods.back().end >= now.begin) {
      w.floods.back().end = now.end;
    } else {
      if (w.floods.size() == 64) {
        w.floods[62].end = w.floods.back().end;
        w.floods.pop_back();
      }
      w.floods.push_back(now);
    }
  }
  void completed(u32 server, i64 started_us) {
    Window& w = servers[server];
    const i64 bucket = started_us * 1000 / k_width;
    const bool in = bucket <= w.newest && w.newest - bucket < k_buckets;
    u32& slot = w.counts[static_cast<std::size_t>(bucket) % k_buckets];
    if (in && slot > 0) {
      slot--;
      w.in_window--;
    }
  }
  bool flooded_at(u32 server, i64 time_us) const {
    const i64 t = time_us * 1000;
    for (const Interval& f : servers[server].floods)
      if (f.begin <= t && t <= f.end)
        return true;
    return false;
  }
};

// ---------------------------------------------------------------------------------------
// The outcome model: one per connection, updated as its packets are written.
struct SideModel {
  u8 state = CLOSED;
  bool sent_syn = false, sent_fin = false, sent_anything = false, sent_rst = false;
  bool received_fin = false, acked_peer_fin = false, fin_acked = false, reached_est = false;
  bool syn_acked = false;
  u8 syn_tx = 0;
  u32 isn = 0, fin_seq = 0;
  u32 packets = 0, retransmits = 0;
  i64 first_syn = 0, first_fin = 0, tw_since = 0, fw2_since = 0, acked_fin_time = 0;
};

enum Kind : u8 {
  K_FIN_CLIENT,
  K_FIN_SERVER,
  K_RST_CLIENT,
  K_RST_SERVER,
  K_REFUSED,
  K_UNANSWERED,
  K_FLOOD
};
const char* kind_name(u8 k) {
  static const char* n[] = {"fin_client", "fin_server", "rst_client", "rst_server",
                            "refused",    "unanswered", "flood"};
  return n[k];
}

struct Conn {
  u32 client_id = 0; // address index
  u16 client_port = 0;
  u16 server_id = 0; // index into servers
  bool v6 = false;
  u8 kind = 0;
  bool has_rst = false, refused = false, fin_first_client = true, rst_by_client = true;
  bool superseded = false, counted = false;
  u16 anomalies = 0, notes = 0;
  i64 judge_time = -1; // superseded: when; else capture end
  i64 first_time = -1, last_time = -1;
  u64 first_packet = 0;       // 1-based packet number of its first packet (0: none written)
  std::int64_t previous = -1; // the incarnation this one reopens
  SideModel side[2];
};

// ---------------------------------------------------------------------------------------
struct Step {
  i64 t;
  u32 seq, ack;
  u16 payload;
  u8 from; // 0 client, 1 server
  u8 flags;
  bool retx;
};

struct Options {
  u64 packets = 1'000'000;
  u64 connections = 0; // 0: packets / 18.5
  u64 concurrency = 10'000;
  double lifetime = 10.0; // mean connection lifetime, s
  u64 seed = 1;
  double ipv6 = 0.2;
  u32 servers = 64;
  u32 clients = 4096;
  u64 syn_flood = 0;
  double flood_rate = 100'000;
  double flood_start = 1.0;
  double p_refused = 0.03, p_unanswered = 0.02, p_rst = 0.07, p_client_close = 0.5;
  double p_retx = 0.05, p_reuse = 0.03;
  std::string out = "capture.pcap";
  std::string expected;
};

struct Server {
  bool v6;
  u32 index;
  u16 port;
};

class Generator {
public:
  explicit Generator(const Options& o) : m_o(o), m_rng(o.seed) {
    for (u32 i = 0; i < o.servers; ++i) {
      const bool v6 = std::floor((i + 1) * o.ipv6) > std::floor(i * o.ipv6);
      m_servers.push_back({v6, i, static_cast<u16>(i % 2 == 0 ? 443 : 80)});
    }
    m_flood_server = static_cast<u32>(m_servers.size());
    m_servers.push_back({false, 0xffff, 80}); // 192.168.255.1:80
    m_flood.servers.resize(m_servers.size());
    m_conns_target = o.connections != 0 ? o.connections
                                        : static_cast<u64>(static_cast<double>(o.packets) / 18.5);
    if (m_conns_target == 0)
      m_conns_target = 1;
    const double m = static_cast<double>(o.packets) / static_cast<double>(m_conns_target);
    const double f_normal = 1.0 - o.p_refused - o.p_unanswered;
    const double other = o.p_refused * 2 + o.p_unanswered * 3;
    // normal packets ~ 7.9 + 1.9 * segments (handshake, requests, close, ACKs)
    m_mean_segments = std::max(1.0, ((m - other) / f_normal - 7.9) / 1.97);
    m_arrival_mean = o.lifetime / static_cast<double>(o.concurrency) * k_s; // µs
    for (std::size_t i = 0; i < sizeof m_payload; ++i)
      m_payload[i] = static_cast<u8>(m_rng.next());
    m_psum[0] = 0;
    for (std::size_t len = 1; len < 2048; ++len) {
      const u32 b = m_payload[len - 1];
      m_psum[len] = m_psum[len - 1] + ((len - 1) % 2 == 0 ? b << 8 : b);
    }
  }

  int run();

private:
  struct Active {
    std::vector<Step> steps;
    std::size_t next = 0;
    u32 conn = 0;
  };
  struct Entry {
    i64 t;
    u64 order;
    u32 active;
    bool operator>(const Entry& e) const { return t != e.t ? t > e.t : order > e.order; }
  };

  // addresses
  void client_addr(const Conn& c, u8* out) const {
    if (!c.v6) {
      const u32 a = (172U << 24) | (16U << 16) | (c.client_id & 0xfffff);
      put32(out, a);
    } else {
      static const u8 prefix[8] = {0x20, 0x01, 0x0d, 0xb8, 0x0c, 0x00, 0, 0};
      std::memcpy(out, prefix, 8);
      std::memset(out + 8, 0, 4);
      put32(out + 12, c.client_id + 1);
    }
  }
  void server_addr(const Conn& c, u8* out) const {
    const Server& s = m_servers[c.server_id];
    if (c.kind == K_FLOOD) {
      put32(out, (192U << 24) | (168U << 16) | (255U << 8) | 1U);
    } else if (!s.v6) {
      put32(out, (192U << 24) | (168U << 16) | (1U << 8) | (1 + s.index));
    } else {
      static const u8 prefix[8] = {0x20, 0x01, 0x0d, 0xb8, 0x00, 0x5e, 0, 0};
      std::memcpy(out, prefix, 8);
      std::memset(out + 8, 0, 4);
      put32(out + 12, s.index + 1);
    }
  }
  static void put16(u8* p, u32 v) {
    p[0] = u8(v >> 8);
    p[1] = u8(v);
  }
  static void put32(u8* p, u32 v) {
    p[0] = u8(v >> 24);
    p[1] = u8(v >> 16);
    p[2] = u8(v >> 8);
    p[3] = u8(v);
  }

  std::string addr_text(const u8* a, bool v6) const;

  u32 new_connection(i64 start, int forced_kind, std::int64_t reuse_of);
  void build_script(u32 conn_index, i64 start, Active& active);
  void emit(u32 conn_index, const Step& step);
  void model(u32 conn_index, const Step& step);
  void write_frame(const Conn& c, const Step& s);
  void flush() {
    const u8* p = m_buf.data();
    std::size_t left = m_fill;
    while (left > 0) {
      const ssize_t n = ::write(m_fd, p, left);
      if (n < 0) {
        if (errno == EINTR)
          continue;
        std::perror("write");
        std::exit(1);
      }
      p += n;
      left -= static_cast<std::size_t>(n);
    }
    m_fill = 0;
  }
  void finalize_outcome(Conn& c, i64 end);
  struct ReuseRequest {
    i64 t;
    u32 conn;
  };
  std::vector<ReuseRequest> m_reuse_requests;
  void write_expected(i64 end);

  Options m_o;
  Rng m_rng;
  std::vector<Server> m_servers;
  u32 m_flood_server = 0;
  FloodReplica m_flood;
  u64 m_conns_target = 0;
  double m_mean_segments = 5;
  double m_arrival_mean = 1000;
  std::vector<Conn> m_conns;
  std::vector<Active> m_active;
  std::vector<u32> m_free_active;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> m_heap;
  u64 m_order = 0;
  u64 m_tuple_counter = 0;
  u64 m_emitted = 0;
  u64 m_bytes = 0;
  i64 m_last_time = 0;
  u16 m_ip_id = 1;
  int m_fd = -1;
  std::vector<u8> m_buf = std::vector<u8>(8 << 20);
  std::size_t m_fill = 0;
  u8 m_payload[2048];
  u32 m_psum[2048];
};

std::string Generator::addr_text(const u8* a, bool v6) const {
  char text[64];
  if (!v6) {
    std::snprintf(text, sizeof text, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
    return text;
  }
  // RFC 5952 is done by the checker (it normalises addresses); print the full form.
  std::snprintf(text, sizeof text, "%x:%x:%x:%x:%x:%x:%x:%x", (a[0] << 8) | a[1],
                (a[2] << 8) | a[3], (a[4] << 8) | a[5], (a[6] << 8) | a[7], (a[8] << 8) | a[9],
                (a[10] << 8) | a[11], (a[12] << 8) | a[13], (a[14] << 8) | a[15]);
  return text;
}

u32 Generator::new_connection(i64 start, int forced_kind, std::int64_t reuse_of) {
  Conn c;
  if (reuse_of >= 0) {
    const Conn& old = m_conns[static_cast<std::size_t>(reuse_of)];
    c.client_id = old.client_id;
    c.client_port = old.client_port;
    c.server_id = old.server_id;
    c.v6 = old.v6;
    c.previous = reuse_of;
  } else {
    c.server_id = static_cast<u16>(m_rng.below(m_servers.size() - 1));
    c.v6 = m_servers[c.server_id].v6;
    const u64 g = m_tuple_counter++;
    c.client_id = static_cast<u32>(g % m_o.clients);
    c.client_port = static_cast<u16>(32768 + (g / m_o.clients) % 28232);
  }
  if (forced_kind >= 0) {
    c.kind = static_cast<u8>(forced_kind);
  } else {
    const double r = m_rng.uniform();
    const double p_normal = 1.0 - m_o.p_refused - m_o.p_unanswered - m_o.p_rst;
    if (r < m_o.p_refused)
      c.kind = K_REFUSED;
    else if (r < m_o.p_refused + m_o.p_unanswered)
      c.kind = K_UNANSWERED;
    else if (r < m_o.p_refused + m_o.p_unanswered + m_o.p_rst)
      c.kind = m_rng.chance(0.5) ? K_RST_CLIENT : K_RST_SERVER;
    else
      c.kind =
          m_rng.uniform() * p_normal < m_o.p_client_close * p_normal ? K_FIN_CLIENT : K_FIN_SERVER;
  }
  c.fin_first_client = c.kind == K_FIN_CLIENT;
  c.rst_by_client = c.kind == K_RST_CLIENT;
  m_conns.push_back(c);
  const u32 index = static_cast<u32>(m_conns.size() - 1);
  u32 slot;
  if (!m_free_active.empty()) {
    slot = m_free_active.back();
    m_free_active.pop_back();
  } else {
    slot = static_cast<u32>(m_active.size());
    m_active.emplace_back();
  }
  Active& a = m_active[slot];
  a.steps.clear();
  a.next = 0;
  a.conn = index;
  build_script(index, start, a);
  m_heap.push({a.steps[0].t, m_order++, slot});
  return index;
}

void Generator::build_script(u32 ci, i64 start, Active& a) {
  Rng& r = m_rng;
  const Conn c = m_conns[ci];
  std::vector<Step>& st = a.steps;
  const i64 rtt = r.log_uniform(2 * k_ms, 200 * k_ms); // client <-> capture point <-> server
  const i64 srv = r.range(20, 500);                    // server turnaround, µs
  const u32 mss = c.v6 ? 1428 : 1448;
  u32 cn = static_cast<u32>(r.next());
  u32 sn = static_cast<u32>(r.next());
  i64 t = start;
  auto push = [&](i64 time, u8 from, u8 flags, u32 seq, u32 ack, u16 payload, bool retx = false) {
    st.push_back({time, seq, ack, payload, from, flags, retx});
  };
  if (c.kind == K_UNANSWERED) {
    push(t, 0, F::syn, cn, 0, 0);
    push(t + 1 * k_s, 0, F::syn, cn, 0, 0, true);
    push(t + 3 * k_s, 0, F::syn, cn, 0, 0, true);
    return;
  }
  if (c.kind == K_REFUSED) {
    push(t, 0, F::syn, cn, 0, 0);
    push(t + srv, 1, F::rst | F::ack, 0, cn + 1, 0);
    return;
  }
  // Handshake.
  push(t, 0, F::syn, cn, 0, 0);
  cn += 1;
  t += srv;
  push(t, 1, F::syn | F::ack, sn, cn, 0);
  sn += 1;
  t += rtt;
  push(t, 0, F::ack, cn, sn, 0);
  const i64 lifetime = static_cast<i64>(r.exponential(m_o.lifetime * k_s));
  const i64 close_at = start + lifetime;
  int rounds = 1;
  if (r.chance(0.3))
    rounds += 1 + static_cast<int>(r.below(3));
  const bool ack_every = r.chance(0.95);
  const i64 gap = r.range(12, 120); // serialisation of one segment
  bool retx_pending = r.chance(m_o.p_retx);
  double seg_budget = std::max(1.0, r.exponential(m_mean_segments));
  for (int round = 0; round < rounds; ++round) {
    // Think time: rounds spread over the first 80% of the lifetime.
    if (round > 0) {
      const i64 think =
          static_cast<i64>(r.uniform() * 0.8 * double(std::max<i64>(0, close_at - t)) / rounds);
      t += think + 1;
    } else {
      t += 1;
    }
    const u16 q = static_cast<u16>(r.range(60, 640));
    push(t, 0, F::psh | F::ack, cn, sn, q);
    cn += q;
    int n = std::max(1, static_cast<int>(std::lround(seg_budget / rounds)));
    const u32 last_len = static_cast<u32>(r.range(2, mss)); // 1 byte at SND.NXT-1 is a keep-alive
    const int lost = retx_pending && n >= 1 ? static_cast<int>(r.below(static_cast<u64>(n))) : -1;
    retx_pending = false;
    i64 ts = t + srv;
    u32 hole_seq = 0;
    u32 lost_len = 0;
    i64 last_seg_time = ts;
    const std::size_t first_step = st.size();
    for (int i = 0; i < n; ++i) {
      const u32 len = i == n - 1 ? last_len : mss;
      push(ts, 1, static_cast<u8>(i == n - 1 ? F::psh | F::ack : F::ack), sn, cn,
           static_cast<u16>(len));
      if (i == lost) {
        hole_seq = sn;
        lost_len = len;
      }
      sn += len;
      last_seg_time = ts;
      // The client's ACK (or dup ACK past a hole).
      const bool after_hole = lost >= 0 && i >= lost;
      if (after_hole) {
        if (i > lost)
          push(ts + rtt, 0, F::ack, cn, hole_seq, 0);
      } else if (ack_every || i % 2 == 1 || i == n - 1) {
        push(ts + rtt, 0, F::ack, cn, sn, 0);
      }
      ts += gap;
    }
    i64 end = last_seg_time + rtt;
    if (lost >= 0) {
      const i64 rto = lost == n - 1 ? 200 * k_ms : 200;
      const i64 rt = last_seg_time + rtt + rto;
      push(rt, 1, F::ack, hole_seq, cn, static_cast<u16>(lost_len), true);
      push(rt + rtt, 0, F::ack, cn, sn, 0);
      end = rt + rtt;
    }
    std::stable_sort(st.begin() + static_cast<std::ptrdiff_t>(first_step), st.end(),
                     [](const Step& x, const Step& y) { return x.t < y.t; });
    // Keep times strictly increasing within the connection.
    for (std::size_t i = first_step; i < st.size(); ++i)
      if (st[i].t <= st[i - 1].t)
        st[i].t = st[i - 1].t + 1;
    t = std::max(end, st.back().t);
  }
  t = std::max(t + 1, close_at);
  const bool client_acts = c.kind == K_FIN_CLIENT || c.kind == K_RST_CLIENT;
  const u8 x = client_acts ? 0 : 1;
  const u8 y = 1 - x;
  u32& xn = client_acts ? cn : sn;
  u32& yn = client_acts ? sn : cn;
  // Delay for y to answer x, and for x to answer y, as seen at the capture point (near
  // the server).
  const i64 y_delay = client_acts ? srv : rtt;
  const i64 x_delay = client_acts ? rtt : srv;
  if (c.kind == K_RST_CLIENT || c.kind == K_RST_SERVER) {
    push(t, x, F::rst | F::ack, xn, yn, 0);
    return;
  }
  push(t, x, F::fin | F::ack, xn, yn, 0);
  xn += 1;
  t += y_delay;
  if (r.chance(0.5)) { // y acknowledges, then closes a little later
    push(t, y, F::ack, yn, xn, 0);
    t += r.range(10, 5000);
  }
  push(t, y, F::fin | F::ack, yn, xn, 0);
  yn += 1;
  t += x_delay;
  push(t, x, F::ack, xn, yn, 0);
  if (m_o.p_reuse > 0 && r.chance(m_o.p_reuse)) {
    m_reuse_requests.push_back({t + r.range(500 * k_ms, 10 * k_s), ci});
  }
}

namespace {

u8 on_receive_fin(SideModel& s, i64 t) {
  switch (s.state) {
  case ESTABLISHED:
  case SYN_RECEIVED:
    return CLOSE_WAIT;
  case FIN_WAIT_1:
    return CLOSING;
  case FIN_WAIT_2:
    s.tw_since = t;
    return TIME_WAIT;
  default:
    return s.state;
  }
}

void set_state(SideModel& s, u8 to, i64 t) {
  if (to == ESTABLISHED)
    s.reached_est = true;
  if (to == TIME_WAIT && s.state != TIME_WAIT)
    s.tw_since = t;
  if (to == FIN_WAIT_2 && s.state != FIN_WAIT_2)
    s.fw2_since = t;
  s.state = to;
}

// tcpstate's timers, as of time `now` (src/conn/timers.cpp).
void run_timers(SideModel (&side)[2], i64 now) {
  for (SideModel& s : side) {
    if (s.state == TIME_WAIT && now >= s.tw_since + k_time_wait)
      s.state = CLOSED;
    else if (s.state == SYN_SENT && now >= s.first_syn + k_handshake_timeout)
      s.state = CLOSED;
    else if (s.state == SYN_RECEIVED && now >= s.first_syn + k_synack_timeout)
      s.state = CLOSED;
    else if (s.state == FIN_WAIT_2 && now >= s.fw2_since + k_fin_wait_2_timeout)
      s.state = CLOSED;
  }
}

bool holds_open(u8 s) {
  return s == ESTABLISHED || s == FIN_WAIT_1 || s == FIN_WAIT_2 || s == CLOSE_WAIT || s == CLOSING;
}
bool lacks_connection(const SideModel& s) {
  return s.state == SYN_SENT || s.state == SYN_RECEIVED || (s.state == CLOSED && !s.sent_fin);
}

} // namespace

void Generator::model(u32 ci, const Step& step) {
  Conn& c = m_conns[ci];
  const i64 t = step.t;
  if (c.first_packet == 0) {
    c.first_packet = m_emitted;
    c.first_time = t;
    if (c.previous >= 0) {
      Conn& old = m_conns[static_cast<std::size_t>(c.previous)];
      run_timers(old.side, t);
      c.notes |= N_TUPLE_REUSE;
      if (old.side[0].state == TIME_WAIT)
        c.anomalies |= A_MISSING_TIME_WAIT;
      if (holds_open(old.side[0].state) || holds_open(old.side[1].state))
        old.anomalies |= A_HALF_OPEN;
      old.superseded = true;
      old.judge_time = t;
      old.side[0].state = CLOSED;
      old.side[1].state = CLOSED;
    }
  }
  c.last_time = t;
  SideModel& s = c.side[step.from];
  SideModel& rcv = c.side[1 - step.from];
  const bool syn = step.flags & F::syn, ack = step.flags & F::ack, fin = step.flags & F::fin,
             rst = step.flags & F::rst;
  s.packets++;
  if (step.retx)
    s.retransmits++;
  if (syn) {
    const bool first = !s.sent_syn;
    if (first) {
      s.sent_syn = true;
      s.isn = step.seq;
      s.first_syn = t;
    }
    s.syn_tx++;
    if (!ack) {
      if (s.state == CLOSED)
        set_state(s, SYN_SENT, t);
      if (first) {
        m_flood.started(c.server_id, t);
        c.counted = true;
      }
    } else if (s.state == CLOSED) {
      set_state(s, SYN_RECEIVED, t);
    }
  }
  if (ack && !syn && !rst && rcv.sent_fin && seq_after_eq(step.ack, rcv.fin_seq + 1)) {
    if (!s.acked_peer_fin) {
      s.acked_peer_fin = true;
      s.acked_fin_time = t;
    }
    if (!s.received_fin) {
      s.received_fin = true;
      set_state(s, on_receive_fin(s, t), t);
    }
  }
  if (fin) {
    if (!s.sent_fin) {
      s.sent_fin = true;
      s.fin_seq = step.seq + step.payload;
      s.first_fin = t;
      if (!rcv.sent_fin)
        c.fin_first_client = step.from == 0;
    }
    if (s.state == ESTABLISHED || s.state == SYN_RECEIVED)
      set_state(s, FIN_WAIT_1, t);
    else if (s.state == CLOSE_WAIT)
      set_state(s, LAST_ACK, t);
  }
  if (rst) {
    if (!c.has_rst) {
      c.has_rst = true;
      c.rst_by_client = step.from == 0;
    }
    const u8 before = s.state;
    s.sent_rst = true;
    set_state(s, CLOSED, t);
    if (synchronized(before) && ack && !s.sent_fin)
      c.anomalies |= A_RST_INSTEAD_OF_FIN;
    if (rcv.state == SYN_SENT) {
      if (ack && step.ack == rcv.isn + 1) {
        if (!rcv.reached_est) {
          c.refused = true;
          c.anomalies |= A_REFUSED;
        }
        set_state(rcv, CLOSED, t);
      }
    } else if (rcv.state != CLOSED) {
      set_state(rcv, CLOSED, t);
    }
  } else {
    if (ack) {
      if (rcv.sent_syn && !rcv.syn_acked && seq_after_eq(step.ack, rcv.isn + 1) &&
          (rcv.state == SYN_SENT || rcv.state == SYN_RECEIVED) &&
          !(rcv.state == SYN_SENT && !syn)) {
        rcv.syn_acked = true;
        set_state(rcv, ESTABLISHED, t);
      }
      if (rcv.sent_fin && !rcv.fin_acked && seq_after_eq(step.ack, rcv.fin_seq + 1)) {
        rcv.fin_acked = true;
        if (rcv.state == FIN_WAIT_1)
          set_state(rcv, FIN_WAIT_2, t);
        else if (rcv.state == CLOSING)
          set_state(rcv, TIME_WAIT, t);
        else if (rcv.state == LAST_ACK)
          set_state(rcv, CLOSED, t);
      }
    }
    if (fin) {
      if (!rcv.received_fin) {
        rcv.received_fin = true;
        set_state(rcv, on_receive_fin(rcv, t), t);
      } else if (rcv.state == TIME_WAIT) {
        rcv.tw_since = t;
      }
    }
  }
  s.sent_anything = true;
  if (c.counted && c.side[0].reached_est && c.side[1].reached_est) {
    c.counted = false;
    m_flood.completed(c.server_id, c.side[0].first_syn);
  }
}

void Generator::write_frame(const Conn& c, const Step& s) {
  const bool v6 = c.v6;
  const bool flood = c.kind == K_FLOOD;
  const bool syn = s.flags & F::syn;
  const u32 opt_len = (s.flags & F::rst) ? 0 : flood ? 4 : syn ? 20 : 12;
  const u32 tcp_len = 20 + opt_len + s.payload;
  const u32 ip_hdr = v6 ? 40 : 20;
  const u32 frame = 14 + ip_hdr + tcp_len;
  const u32 caplen = std::max<u32>(frame, 60); // Ethernet pads short frames
  if (m_fill + 16 + caplen > m_buf.size())
    flush();
  u8* rec = m_buf.data() + m_fill;
  const i64 t = s.t;
  auto le32 = [](u8* p, u32 v) { std::memcpy(p, &v, 4); }; // pcap header: host order (LE here)
  le32(rec, static_cast<u32>(t / k_s));
  le32(rec + 4, static_cast<u32>(t % k_s));
  le32(rec + 8, caplen);
  le32(rec + 12, caplen);
  u8* f = rec + 16;
  static const u8 mac_client_side[6] = {0x02, 0, 0, 0, 0, 0x01};
  static const u8 mac_server[6] = {0x02, 0, 0, 0, 0, 0x02};
  std::memcpy(f, s.from == 0 ? mac_server : mac_client_side, 6);
  std::memcpy(f + 6, s.from == 0 ? mac_client_side : mac_server, 6);
  put16(f + 12, v6 ? 0x86dd : 0x0800);
  u8* ip = f + 14;
  u8 src[16], dst[16];
  if (s.from == 0) {
    client_addr(c, src);
    server_addr(c, dst);
  } else {
    server_addr(c, src);
    client_addr(c, dst);
  }
  if (flood) { // spoofed source in 10.0.0.0/8
    put32(src, (10U << 24) | ((c.client_id * 2654435761U) & 0xffffffU));
  }
  u32 sum = 0;
  if (!v6) {
    ip[0] = 0x45;
    ip[1] = 0;
    put16(ip + 2, ip_hdr + tcp_len);
    put16(ip + 4, m_ip_id++);
    put16(ip + 6, 0x4000);
    ip[8] = s.from == 0 ? 58 : 64;
    ip[9] = 6;
    put16(ip + 10, 0);
    std::memcpy(ip + 12, src, 4);
    std::memcpy(ip + 16, dst, 4);
    u32 h = 0;
    for (int i = 0; i < 20; i += 2)
      h += (u32(ip[i]) << 8) | ip[i + 1];
    while (h >> 16)
      h = (h & 0xffff) + (h >> 16);
    put16(ip + 10, ~h & 0xffff);
    for (int i = 12; i < 20; i += 2)
      sum += (u32(ip[i]) << 8) | ip[i + 1];
  } else {
    put32(ip, 0x60000000U);
    put16(ip + 4, tcp_len);
    ip[6] = 6;
    ip[7] = s.from == 0 ? 58 : 64;
    std::memcpy(ip + 8, src, 16);
    std::memcpy(ip + 24, dst, 16);
    for (int i = 8; i < 40; i += 2)
      sum += (u32(ip[i]) << 8) | ip[i + 1];
  }
  sum += 6 + tcp_len;
  u8* tcp = ip + ip_hdr;
  const u16 client_port =
      flood ? static_cast<u16>(1024 + (c.client_id * 40503U) % 64512U) : c.client_port;
  const u16 server_port = m_servers[c.server_id].port;
  put16(tcp, s.from == 0 ? client_port : server_port);
  put16(tcp + 2, s.from == 0 ? server_port : client_port);
  put32(tcp + 4, s.seq);
  put32(tcp + 8, s.ack);
  tcp[12] = static_cast<u8>(((20 + opt_len) / 4) << 4);
  tcp[13] = s.flags;
  const u16 window = (s.flags & F::rst) ? 0
                     : syn              ? 64240
                           : static_cast<u16>(501 + (c.client_port % 1500) + s.from * 7);
  put16(tcp + 14, window);
  put16(tcp + 16, 0);
  put16(tcp + 18, 0);
  u8* o = tcp + 20;
  const u32 tsval = static_cast<u32>(t / k_ms) + (s.from == 0 ? 0x1000000U : 0x2000000U);
  const u32 tsecr =
      s.ack == 0 ? 0 : static_cast<u32>(t / k_ms) + (s.from == 0 ? 0x2000000U : 0x1000000U) - 1;
  if (opt_len == 4) {
    o[0] = 2;
    o[1] = 4;
    put16(o + 2, 1460);
  } else if (opt_len == 20) {
    o[0] = 2;
    o[1] = 4;
    put16(o + 2, v6 ? 1440 : 1460);
    o[4] = 4;
    o[5] = 2;
    o[6] = 8;
    o[7] = 10;
    put32(o + 8, tsval);
    put32(o + 12, tsecr);
    o[16] = 1;
    o[17] = 3;
    o[18] = 3;
    o[19] = 7;
  } else if (opt_len == 12) {
    o[0] = 1;
    o[1] = 1;
    o[2] = 8;
    o[3] = 10;
    put32(o + 4, tsval);
    put32(o + 8, tsecr);
  }
  std::memcpy(tcp + 20 + opt_len, m_payload, s.payload);
  for (u32 i = 0; i < 20 + opt_len; i += 2)
    sum += (u32(tcp[i]) << 8) | tcp[i + 1];
  sum += m_psum[s.payload];
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  put16(tcp + 16, ~sum & 0xffff);
  if (caplen > frame)
    std::memset(f + frame, 0, caplen - frame);
  m_fill += 16 + caplen;
  m_bytes += 16 + caplen;
}

void Generator::emit(u32 ci, const Step& step) {
  ++m_emitted;
  m_last_time = step.t;
  model(ci, step);
  write_frame(m_conns[ci], step);
}

void Generator::finalize_outcome(Conn& c, i64 end) {
  const i64 j = c.superseded ? c.judge_time : end;
  if (!c.superseded)
    run_timers(c.side, j);
  const SideModel& cl = c.side[0];
  const SideModel& sv = c.side[1];
  if (cl.sent_syn && !sv.sent_anything && (cl.syn_tx > 1 || j - cl.first_syn >= k_s))
    c.anomalies |= A_SYN_UNANSWERED;
  const bool completed = cl.reached_est && sv.reached_est;
  if (cl.sent_syn && !completed && m_flood.flooded_at(c.server_id, cl.first_syn))
    c.anomalies |= A_SYN_FLOOD;
  for (int side = 0; side < 2; ++side) {
    if (holds_open(c.side[side].state) && lacks_connection(c.side[1 - side])) {
      c.anomalies |= A_HALF_OPEN;
      break;
    }
  }
  for (const SideModel& s : c.side) {
    if (s.acked_peer_fin) {
      const i64 until = s.sent_fin ? s.first_fin : j;
      if (until - s.acked_fin_time > k_close_wait_timeout)
        c.anomalies |= A_CLOSE_WAIT_LEAK;
    }
  }
}

void Generator::write_expected(i64 end) {
  std::FILE* out = std::fopen(m_o.expected.c_str(), "w");
  if (out == nullptr) {
    std::perror(m_o.expected.c_str());
    std::exit(1);
  }
  std::fputs("client_addr,client_port,server_addr,server_port,client_state,server_state,close,"
             "closed_by,client_packets,server_packets,client_retransmits,server_retransmits,"
             "anomalies,notes,first_packet,kind\n",
             out);
  std::vector<std::pair<u64, u32>> order;
  order.reserve(m_conns.size());
  for (u32 i = 0; i < m_conns.size(); ++i)
    if (m_conns[i].first_packet != 0)
      order.emplace_back(m_conns[i].first_packet, i);
  std::sort(order.begin(), order.end());
  std::string line;
  for (const auto& [first, index] : order) {
    Conn& c = m_conns[index];
    finalize_outcome(c, end);
    const SideModel& cl = c.side[0];
    const SideModel& sv = c.side[1];
    const char* close;
    const char* by = "none";
    if (c.refused) {
      close = "refused";
      by = "server";
    } else if (cl.sent_syn && !sv.sent_anything) {
      close = "unanswered";
    } else if (c.has_rst) {
      close = "rst";
      by = c.rst_by_client ? "client" : "server";
    } else if (cl.sent_fin && sv.sent_fin) {
      close = "fin";
      by = c.fin_first_client ? "client" : "server";
    } else {
      close = "open";
    }
    u8 ca[16], sa[16];
    client_addr(c, ca);
    server_addr(c, sa);
    if (c.kind == K_FLOOD)
      put32(ca, (10U << 24) | ((c.client_id * 2654435761U) & 0xffffffU));
    const u16 cport = c.kind == K_FLOOD ? static_cast<u16>(1024 + (c.client_id * 40503U) % 64512U)
                                        : c.client_port;
    std::string anomalies;
    for (int b = 0; b < 8; ++b)
      if (c.anomalies & (1U << b)) {
        if (!anomalies.empty())
          anomalies += ';';
        anomalies += k_anomaly_names[b];
      }
    line.clear();
    line += addr_text(ca, c.v6) + ',' + std::to_string(cport) + ',' + addr_text(sa, c.v6) + ',' +
            std::to_string(m_servers[c.server_id].port) + ',' + state_name(cl.state) + ',' +
            state_name(sv.state) + ',' + close + ',' + by + ',' + std::to_string(cl.packets) + ',' +
            std::to_string(sv.packets) + ',' + std::to_string(cl.retransmits) + ',' +
            std::to_string(sv.retransmits) + ',' + anomalies + ',' +
            ((c.notes & N_TUPLE_REUSE) ? "tuple_reuse" : "") + ',' + std::to_string(first) + ',' +
            kind_name(c.kind) + '\n';
    std::fputs(line.c_str(), out);
  }
  std::fclose(out);
}

int Generator::run() {
  m_fd = ::open(m_o.out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (m_fd < 0) {
    std::perror(m_o.out.c_str());
    return 1;
  }
  {
    u8 h[24];
    const u32 magic = 0xa1b2c3d4, snaplen = 262144, link = 1;
    const u16 major = 2, minor = 4;
    const u32 zero = 0;
    std::memcpy(h, &magic, 4);
    std::memcpy(h + 4, &major, 2);
    std::memcpy(h + 6, &minor, 2);
    std::memcpy(h + 8, &zero, 4);
    std::memcpy(h + 12, &zero, 4);
    std::memcpy(h + 16, &snaplen, 4);
    std::memcpy(h + 20, &link, 4);
    std::memcpy(m_buf.data(), h, 24);
    m_fill = 24;
    m_bytes = 24;
  }
  constexpr i64 k_never = INT64_MAX;
  i64 next_arrival = k_base_time;
  i64 next_flood =
      m_o.syn_flood > 0 ? k_base_time + static_cast<i64>(m_o.flood_start * k_s) : k_never;
  const double flood_gap = 1e6 / m_o.flood_rate;
  u64 flood_sent = 0;
  u64 background_conns = 0;
  while (m_emitted < m_o.packets) {
    if (!m_reuse_requests.empty()) {
      std::vector<ReuseRequest> requests;
      requests.swap(m_reuse_requests);
      for (const ReuseRequest& q : requests) {
        const double r = m_rng.uniform();
        const int kind = r < 0.45 ? K_FIN_CLIENT : r < 0.9 ? K_FIN_SERVER : K_RST_CLIENT;
        new_connection(q.t, kind, q.conn);
      }
    }
    const i64 th = m_heap.empty() ? k_never : m_heap.top().t;
    if (next_arrival <= th && next_arrival <= next_flood) {
      new_connection(next_arrival, -1, -1);
      ++background_conns;
      next_arrival += std::max<i64>(1, static_cast<i64>(m_rng.exponential(m_arrival_mean)));
      continue;
    }
    if (next_flood <= th) {
      Conn c;
      c.kind = K_FLOOD;
      c.server_id = static_cast<u16>(m_flood_server);
      c.client_id = static_cast<u32>(flood_sent);
      m_conns.push_back(c);
      const Step s{next_flood, static_cast<u32>(m_rng.next()), 0, 0, 0, F::syn, false};
      emit(static_cast<u32>(m_conns.size() - 1), s);
      ++flood_sent;
      next_flood =
          flood_sent < m_o.syn_flood
              ? next_flood + std::max<i64>(1, static_cast<i64>(m_rng.exponential(flood_gap)))
              : k_never;
      continue;
    }
    const Entry e = m_heap.top();
    m_heap.pop();
    Active& a = m_active[e.active];
    const Step step = a.steps[a.next++];
    emit(a.conn, step);
    if (a.next < a.steps.size()) {
      m_heap.push({a.steps[a.next].t, m_order++, e.active});
    } else {
      m_free_active.push_back(e.active);
    }
  }
  flush();
  ::close(m_fd);
  const i64 end = m_last_time;
  write_expected(end);

  // Concurrency: "open" from first to last packet; "held" as tcpstate keeps a record
  // (until both endpoints are CLOSED and 2*MSL have passed since the last packet).
  std::vector<std::pair<i64, int>> open_ev, held_ev;
  u64 with_packets = 0, flood_conns = 0;
  for (const Conn& c : m_conns) {
    if (c.first_packet == 0)
      continue;
    ++with_packets;
    if (c.kind == K_FLOOD)
      ++flood_conns;
    open_ev.emplace_back(c.first_time, 1);
    open_ev.emplace_back(c.kind == K_FLOOD ? c.first_time + k_handshake_timeout : c.last_time + 1,
                         -1);
    i64 release;
    if (c.superseded)
      release = c.judge_time;
    else if (c.side[0].state != CLOSED || c.side[1].state != CLOSED)
      release = end + 1;
    else {
      i64 closed_at = c.last_time;
      if (c.side[0].sent_syn && !c.side[1].sent_anything)
        closed_at = c.side[0].first_syn + k_handshake_timeout;
      release = std::max(c.last_time + 2 * 30 * k_s, closed_at);
    }
    held_ev.emplace_back(c.first_time, 1);
    held_ev.emplace_back(std::min(release, end + 1), -1);
  }
  auto peak = [](std::vector<std::pair<i64, int>>& ev) {
    std::sort(ev.begin(), ev.end());
    long cur = 0, best = 0;
    for (const auto& e : ev)
      best = std::max(best, cur += e.second);
    return best;
  };
  const long max_open = peak(open_ev);
  const long max_held = peak(held_ev);
  const std::string stats_path = m_o.out + ".stats";
  std::FILE* stats = std::fopen(stats_path.c_str(), "w");
  const double duration = double(end - k_base_time) / k_s;
  const char* fmt = "packets=%llu\nbytes=%llu\nmean_frame=%.1f\nconnections=%llu\nflood_syns=%llu\n"
                    "duration_s=%.3f\nmax_open=%ld\nmax_held=%ld\n";
  for (std::FILE* f : {stats, stderr}) {
    if (f == nullptr)
      continue;
    std::fprintf(f, fmt, (unsigned long long)m_emitted, (unsigned long long)m_bytes,
                 double(m_bytes - 24) / double(m_emitted) - 16, (unsigned long long)with_packets,
                 (unsigned long long)flood_conns, duration, max_open, max_held);
  }
  if (stats)
    std::fclose(stats);
  (void)background_conns;
  return 0;
}

} // namespace

static int usage(const char* prog) {
  std::fprintf(
      stderr,
      "usage: %s [--packets N] [--connections N] [--concurrency N] [--lifetime S]\n"
      "          [--seed N] [--ipv6 FRACTION] [--servers N] [--clients N]\n"
      "          [--syn-flood N] [--flood-rate PER_S] [--flood-start S]\n"
      "          [--p-refused P] [--p-unanswered P] [--p-rst P] [--p-retx P] [--p-reuse P]\n"
      "          --out FILE.pcap [--expected FILE.csv]\n"
      "Writes FILE.pcap (classic pcap, Ethernet), the expected per-connection outcome as\n"
      "CSV (default: FILE.expected.csv) and FILE.pcap.stats.\n",
      prog);
  return 2;
}

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    auto count = [&]() { return static_cast<u64>(std::strtod(value().c_str(), nullptr)); };
    auto real = [&]() { return std::strtod(value().c_str(), nullptr); };
    if (a == "--packets")
      o.packets = count();
    else if (a == "--connections")
      o.connections = count();
    else if (a == "--concurrency")
      o.concurrency = std::max<u64>(1, count());
    else if (a == "--lifetime")
      o.lifetime = real();
    else if (a == "--seed")
      o.seed = count();
    else if (a == "--ipv6")
      o.ipv6 = real();
    else if (a == "--servers")
      o.servers = static_cast<u32>(std::max<u64>(1, count()));
    else if (a == "--clients")
      o.clients = static_cast<u32>(std::min<u64>(1 << 20, std::max<u64>(1, count())));
    else if (a == "--syn-flood")
      o.syn_flood = std::min<u64>(count(), 16'000'000);
    else if (a == "--flood-rate")
      o.flood_rate = real();
    else if (a == "--flood-start")
      o.flood_start = real();
    else if (a == "--p-refused")
      o.p_refused = real();
    else if (a == "--p-unanswered")
      o.p_unanswered = real();
    else if (a == "--p-rst")
      o.p_rst = real();
    else if (a == "--p-retx")
      o.p_retx = real();
    else if (a == "--p-reuse")
      o.p_reuse = real();
    else if (a == "--out")
      o.out = value();
    else if (a == "--expected")
      o.expected = value();
    else
      return usage(argv[0]);
  }
  if (o.expected.empty()) {
    std::string base = o.out;
    if (base.size() > 5 && base.compare(base.size() - 5, 5, ".pcap") == 0)
      base.resize(base.size() - 5);
    o.expected = base + ".expected.csv";
  }
  Generator generator(o);
  return generator.run();
}
