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
// --capture-loss and --one-direction leave packets out of the written capture only; the
// expected outcome stays that of the full traffic and each row says whether what the
// capture kept proves it (see "What a lossy capture proves" below).
//
// All randomness comes from one seeded xoshiro256** stream (capture loss from a second one):
// same options, same bytes.
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
  u8 before_reuse[2] = {CLOSED, CLOSED}; // superseded: the states the reuse found
  SideModel side[2];
};

// What a packet is to its connection, for telling which dropped packets cost an outcome.
enum Role : u8 {
  R_SYN,
  R_SYN_RETX,
  R_SYN_ACK,
  R_HS_ACK,
  R_DATA,
  R_DATA_RETX,
  R_ACK,
  R_FIN,
  R_FIN_ACK,
  R_RST
};
const char* k_role_names[] = {"syn",       "syn_retx", "syn_ack", "hs_ack",  "data",
                              "data_retx", "ack",      "fin",     "fin_ack", "rst"};

// ---------------------------------------------------------------------------------------
struct Step {
  i64 t;
  u32 seq, ack;
  u16 payload;
  u8 from; // 0 client, 1 server
  u8 flags;
  bool retx;
};

// A packet the network carried, kept in lossy mode to judge afterwards what the capture
// still proves.
struct Sent {
  Step step;
  u32 conn;
  u8 role;
  bool captured;
};
struct CaptureInfo {
  u64 first_written = 0; // frame number of its first captured packet (0: none)
  i64 syn_time = -1;     // its first captured SYN, which is what a flood detector can count
  bool counted = false;
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
  // Capture-side loss: the network delivers every packet, the written capture misses some.
  double capture_loss = 0;
  u64 loss_seed = 1;
  int one_direction = -1; // 0: write only the clients' packets, 1: only the servers'
  bool lossy() const { return capture_loss > 0 || one_direction >= 0; }
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
    m_flood_captured.servers.resize(m_servers.size());
    // Its own stream, so that one traffic (--seed) can be written with different losses.
    m_loss_rng = Rng(o.loss_seed ^ 0x6c6f73735f736565ULL);
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
  void write_frame(const Conn& c, const Step& s, u16 ip_id);
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
  std::string unprovable_reason(u32 ci, const std::vector<const Sent*>& packets,
                                const std::vector<std::int64_t>& successor,
                                const std::vector<char>& provable,
                                const std::vector<std::vector<const Sent*>>& by_conn) const;
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
  // Lossy mode only.
  Rng m_loss_rng{0};
  std::vector<Sent> m_sent;
  std::vector<CaptureInfo> m_capture;
  FloodReplica m_flood_captured; // fed only the SYNs the capture kept
  u64 m_written = 0;
  i64 m_last_written_time = 0;
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
    const bool expired = (s.state == TIME_WAIT && now >= s.tw_since + k_time_wait) ||
                         (s.state == SYN_SENT && now >= s.first_syn + k_handshake_timeout) ||
                         (s.state == SYN_RECEIVED && now >= s.first_syn + k_synack_timeout) ||
                         (s.state == FIN_WAIT_2 && now >= s.fw2_since + k_fin_wait_2_timeout);
    if (expired)
      s.state = CLOSED;
  }
}

bool holds_open(u8 s) {
  return s == ESTABLISHED || s == FIN_WAIT_1 || s == FIN_WAIT_2 || s == CLOSE_WAIT || s == CLOSING;
}
bool lacks_connection(const SideModel& s) {
  return s.state == SYN_SENT || s.state == SYN_RECEIVED || (s.state == CLOSED && !s.sent_fin);
}

// The state machine of one connection as tcpstate runs it, fed one segment. Shared by the
// outcome model of the full traffic and by the replays that judge what a lossy capture can
// prove. Returns whether the segment was the connection's first SYN (the flood detector
// counts it).
bool advance(Conn& c, const Step& step) {
  const i64 t = step.t;
  bool started = false;
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
      started = first;
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
  return started;
}

// tcpstate's verdicts at capture end (or when a reuse closed the connection), all but the
// flood's, which needs the detector.
void finalize_verdicts(Conn& c, i64 end) {
  const i64 j = c.superseded ? c.judge_time : end;
  if (!c.superseded)
    run_timers(c.side, j);
  const SideModel& cl = c.side[0];
  const SideModel& sv = c.side[1];
  if (cl.sent_syn && !sv.sent_anything && (cl.syn_tx > 1 || j - cl.first_syn >= k_s))
    c.anomalies |= A_SYN_UNANSWERED;
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

// The close kind and who closed, as tcpstate names them.
std::pair<const char*, const char*> close_of(const Conn& c) {
  const SideModel& cl = c.side[0];
  const SideModel& sv = c.side[1];
  if (c.refused)
    return {"refused", "server"};
  if (cl.sent_syn && !sv.sent_anything)
    return {"unanswered", "none"};
  if (c.has_rst)
    return {"rst", c.rst_by_client ? "client" : "server"};
  if (cl.sent_fin && sv.sent_fin)
    return {"fin", c.fin_first_client ? "client" : "server"};
  return {"open", "none"};
}

// Named from the connection's state before the packet, so that e.g. the ACK of a FIN is
// told apart from an ACK of data.
u8 role_of(const Conn& c, const Step& s) {
  const bool syn = s.flags & F::syn, ack = s.flags & F::ack;
  if (s.flags & F::rst)
    return R_RST;
  if (syn)
    return ack ? R_SYN_ACK : s.retx ? R_SYN_RETX : R_SYN;
  if (s.flags & F::fin)
    return R_FIN;
  if (s.payload > 0)
    return s.retx ? R_DATA_RETX : R_DATA;
  const SideModel& peer = c.side[1 - s.from];
  if (peer.sent_fin && seq_after_eq(s.ack, peer.fin_seq + 1))
    return R_FIN_ACK;
  if (s.from == 0 && !c.side[1].reached_est)
    return R_HS_ACK;
  return R_ACK;
}

// ---------------------------------------------------------------------------------------
// What a lossy capture proves of one connection.
//
// The question is whether an analysis that trusts only the captured packets, and infers a
// missed segment only where a later captured packet shows it was sent, must reach the
// truth. So the generator replays its own state machine (advance) on the evidence: the
// captured packets plus every dropped packet that a captured one proves, rebuilt from no
// more than is proven of it. A connection is provable when that replay gives the true
// states, close kind, closer and anomalies. The rules of proof (no proof rests on a packet
// that is itself only inferred; each is what the peer's ACK numbers or the sender's own
// sequence numbers show):
//  - a SYN (the first copy) is proven by the peer's SYN-ACK or RST|ACK acknowledging its
//    ISN+1. A retransmitted SYN proves nothing for a dropped earlier copy (same ISN): the
//    replay simply starts at the copy it has, and the outcome must not depend on that;
//  - a SYN-ACK is proven by a client segment acknowledging the server's ISN+1, when the
//    client's SYN (whose ISN+1 the SYN-ACK acknowledges) was captured;
//  - a data segment is proven by a peer ACK covering its last byte;
//  - a FIN at sequence f is proven by a peer ACK of exactly f+1, when f is shown to be the
//    sender's last byte + 1 (its own captured segment ending at f, or a peer ACK of f) and
//    the acker behaves as a FIN's receiver (it sends a FIN of its own);
//  - nothing proves a RST or a pure ACK: a later cumulative ACK of the same sender carries
//    whatever a missed one said (the handshake's final ACK is repeated by the client's
//    next segment), and the replay gets that from the later packet itself.
// A rebuilt segment carries the flags and sequence number that proved it and, as ACK field,
// only what is proven of it: the sender's last captured ACK, and its peer's ISN+1 when that
// ISN is known (a sender of data or a FIN has received its peer's SYN). The time of a
// missed packet is only known to lie between the captured packet before it and the first
// captured packet that must follow it (its proof, or the sender's next segment), so the
// replay is run with every rebuilt packet at each end, and both must give the truth; a
// timer that would expire inside a gap the replay crosses also makes it unprovable (the
// full traffic never lets one expire mid-connection). The capture's end is its last
// captured packet: a timer that runs out between that and the network's last packet is
// not proven either.
class Evidence {
public:
  Evidence(const std::vector<const Sent*>& pk, const std::vector<char>& captured)
      : m_pk(pk), m_cap(captured) {
    for (std::size_t i = 0; i < pk.size(); ++i) {
      const Step& s = pk[i]->step;
      if (!(s.flags & F::syn))
        continue;
      m_isn_set[s.from] = true;
      m_isn[s.from] = s.seq;
      if (captured[i])
        m_syn_captured[s.from] = true;
    }
    for (int side = 0; side < 2; ++side) {
      m_syn_known[side] = m_syn_captured[side];
      if (m_syn_known[side] || !m_isn_set[side])
        continue;
      for (std::size_t i = 0; i < pk.size() && !m_syn_known[side]; ++i) {
        const Step& s = pk[i]->step;
        if (captured[i] && s.from != side && (s.flags & F::ack) && s.ack == m_isn[side] + 1 &&
            (side == 0 ? (s.flags & (F::syn | F::rst)) != 0
                       : !(s.flags & F::rst) && m_syn_captured[0]))
          m_syn_known[side] = true;
      }
    }
  }

  // The captured packet that proves dropped packet i, or -1; `rebuilt` gets what is
  // proven of it.
  int proof(std::size_t i, Step& rebuilt) const {
    const Step& s = m_pk[i]->step;
    const u8 x = s.from, y = 1 - x;
    const bool syn = s.flags & F::syn, ack = s.flags & F::ack, fin = s.flags & F::fin;
    auto first_from_peer = [&](auto&& pred) -> int {
      for (std::size_t k = i + 1; k < m_pk.size(); ++k)
        if (m_cap[k] && m_pk[k]->step.from == y && pred(m_pk[k]->step))
          return static_cast<int>(k);
      return -1;
    };
    rebuilt = s;
    if (s.flags & F::rst)
      return -1;
    if (syn && !ack) {
      if (s.retx)
        return -1;
      return first_from_peer([&](const Step& q) {
        return (q.flags & F::ack) && (q.flags & (F::syn | F::rst)) && q.ack == s.seq + 1;
      });
    }
    if (syn) {
      if (!m_syn_captured[y])
        return -1;
      return first_from_peer([&](const Step& q) {
        return (q.flags & F::ack) && !(q.flags & F::rst) && q.ack == s.seq + 1;
      });
    }
    if (!fin && s.payload == 0)
      return -1;
    // The ACK field: no more than the sender's own earlier packets show.
    bool have_ack = false;
    u32 ack_bound = 0;
    for (std::size_t k = i; k-- > 0;) {
      const Step& q = m_pk[k]->step;
      if (m_cap[k] && q.from == x && (q.flags & F::ack)) {
        have_ack = true;
        ack_bound = q.ack;
        break;
      }
    }
    if (m_syn_known[y] && (!have_ack || seq_before(ack_bound, m_isn[y] + 1))) {
      have_ack = true;
      ack_bound = m_isn[y] + 1;
    }
    rebuilt.flags = static_cast<u8>((fin ? F::fin : 0) | (have_ack ? F::ack : 0));
    rebuilt.ack = have_ack ? ack_bound : 0;
    if (!fin) {
      const u32 end = s.seq + s.payload;
      return first_from_peer(
          [&](const Step& q) { return (q.flags & F::ack) && seq_after_eq(q.ack, end); });
    }
    const u32 f = s.seq + s.payload;
    bool f_shown = false, peer_fin = false;
    for (std::size_t k = 0; k < m_pk.size(); ++k) {
      if (k == i || !m_cap[k])
        continue;
      const Step& q = m_pk[k]->step;
      if (q.from == x && !(q.flags & (F::syn | F::fin)) && q.seq + q.payload == f)
        f_shown = true;
      if (q.from == y && (q.flags & F::ack) && q.ack == f)
        f_shown = true;
      if (q.from == y && (q.flags & F::fin))
        peer_fin = true;
    }
    if (!f_shown || !peer_fin)
      return -1;
    return first_from_peer(
        [&](const Step& q) { return (q.flags & F::ack) && !(q.flags & F::rst) && q.ack == f + 1; });
  }

  // The packets the analysis can stand on, each rebuilt one at the earliest or the latest
  // moment the evidence allows.
  std::vector<Step> packets(bool latest) const {
    struct Item {
      std::size_t pos;
      int sub;
      std::size_t index;
      Step step;
    };
    std::vector<Item> items;
    i64 previous = k_base_time;
    for (std::size_t i = 0; i < m_pk.size(); ++i) {
      const Step& s = m_pk[i]->step;
      if (m_cap[i]) {
        items.push_back({i, 1, i, s});
        previous = s.t;
        continue;
      }
      Step rebuilt;
      const int by = proof(i, rebuilt);
      if (by < 0)
        continue;
      if (!latest) {
        rebuilt.t = previous;
        items.push_back({i, 1, i, rebuilt});
        continue;
      }
      // A sender's segments leave in order: its next captured one bounds this one too.
      std::size_t bound = static_cast<std::size_t>(by);
      for (std::size_t k = i + 1; k < bound; ++k)
        if (m_cap[k] && m_pk[k]->step.from == s.from) {
          bound = k;
          break;
        }
      rebuilt.t = m_pk[bound]->step.t;
      items.push_back({bound, 0, i, rebuilt});
    }
    std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
      if (a.pos != b.pos)
        return a.pos < b.pos;
      return a.sub != b.sub ? a.sub < b.sub : a.index < b.index;
    });
    std::vector<Step> out;
    out.reserve(items.size());
    for (const Item& item : items)
      out.push_back(item.step);
    return out;
  }

private:
  const std::vector<const Sent*>& m_pk;
  const std::vector<char>& m_cap;
  bool m_isn_set[2] = {false, false};
  bool m_syn_captured[2] = {false, false};
  bool m_syn_known[2] = {false, false};
  u32 m_isn[2] = {0, 0};
};

// The compared part of an outcome (counts differ with loss by nature; the flood verdict is
// judged apart, from the SYNs the capture kept).
struct Outcome {
  u8 state[2] = {CLOSED, CLOSED};
  u8 before_reuse[2] = {CLOSED, CLOSED};
  u16 anomalies = 0;
  std::pair<const char*, const char*> close{"", ""};
  bool timer_in_gap = false;
  bool operator==(const Outcome& o) const {
    return state[0] == o.state[0] && state[1] == o.state[1] &&
           before_reuse[0] == o.before_reuse[0] && before_reuse[1] == o.before_reuse[1] &&
           anomalies == o.anomalies && std::strcmp(close.first, o.close.first) == 0 &&
           std::strcmp(close.second, o.close.second) == 0 && !timer_in_gap && !o.timer_in_gap;
  }
};

Outcome outcome_of(const Conn& c) {
  Outcome o;
  o.state[0] = c.side[0].state;
  o.state[1] = c.side[1].state;
  o.before_reuse[0] = c.before_reuse[0];
  o.before_reuse[1] = c.before_reuse[1];
  o.anomalies = static_cast<u16>(c.anomalies & ~A_SYN_FLOOD);
  o.close = close_of(c);
  return o;
}

// `truth` must be finalized; `end` is when the capture is taken to end.
Outcome replay(const Conn& truth, const std::vector<Step>& steps, i64 end) {
  Conn r;
  r.client_id = truth.client_id;
  r.client_port = truth.client_port;
  r.server_id = truth.server_id;
  r.v6 = truth.v6;
  r.kind = truth.kind;
  r.fin_first_client = truth.kind == K_FIN_CLIENT;
  r.rst_by_client = truth.kind == K_RST_CLIENT;
  bool timer_in_gap = false;
  for (const Step& step : steps) {
    SideModel due[2] = {r.side[0], r.side[1]};
    run_timers(due, step.t);
    if (due[0].state != r.side[0].state || due[1].state != r.side[1].state)
      timer_in_gap = true;
    advance(r, step);
  }
  // The previous incarnation's own judgement decides this verdict (see reuse_previous).
  r.anomalies |= truth.anomalies & A_MISSING_TIME_WAIT;
  if (truth.superseded) {
    run_timers(r.side, truth.judge_time);
    r.before_reuse[0] = r.side[0].state;
    r.before_reuse[1] = r.side[1].state;
    if (holds_open(r.side[0].state) || holds_open(r.side[1].state))
      r.anomalies |= A_HALF_OPEN;
    r.superseded = true;
    r.judge_time = truth.judge_time;
    r.side[0].state = CLOSED;
    r.side[1].state = CLOSED;
  }
  finalize_verdicts(r, end);
  Outcome o = outcome_of(r);
  o.timer_in_gap = timer_in_gap;
  return o;
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
      old.before_reuse[0] = old.side[0].state;
      old.before_reuse[1] = old.side[1].state;
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
  if (advance(c, step)) {
    m_flood.started(c.server_id, t);
    c.counted = true;
  }
  if (c.counted && c.side[0].reached_est && c.side[1].reached_est) {
    c.counted = false;
    m_flood.completed(c.server_id, c.side[0].first_syn);
  }
}

void Generator::write_frame(const Conn& c, const Step& s, u16 ip_id) {
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
    put16(ip + 4, ip_id);
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
  // The network numbers every IPv4 packet, written or not, so that a lossy capture's packets
  // are the very ones of the lossless capture of the same traffic.
  const u16 ip_id = m_conns[ci].v6 ? m_ip_id : m_ip_id++;
  if (!m_o.lossy()) {
    model(ci, step);
    write_frame(m_conns[ci], step, ip_id);
    return;
  }
  bool captured = m_o.one_direction < 0 || step.from == m_o.one_direction;
  // One draw per packet whatever the direction: the same --loss-seed misses the same packets.
  if (m_o.capture_loss > 0 && m_loss_rng.uniform() < m_o.capture_loss)
    captured = false;
  const u8 role = role_of(m_conns[ci], step);
  model(ci, step);
  m_sent.push_back({step, ci, role, captured});
  if (m_capture.size() < m_conns.size())
    m_capture.resize(m_conns.size());
  Conn& c = m_conns[ci];
  CaptureInfo& k = m_capture[ci];
  if (captured) {
    ++m_written;
    m_last_written_time = step.t;
    if (k.first_written == 0)
      k.first_written = m_written;
    if ((step.flags & F::syn) && !(step.flags & F::ack) && k.syn_time < 0) {
      k.syn_time = step.t;
      k.counted = true;
      m_flood_captured.started(c.server_id, step.t);
    }
    write_frame(c, step, ip_id);
  }
  // A completed handshake leaves the flood count as in the truth: the analysis is expected
  // to prove completion from the ACKs that follow.
  if (k.counted && c.side[0].reached_est && c.side[1].reached_est) {
    k.counted = false;
    m_flood_captured.completed(c.server_id, k.syn_time);
  }
}

void Generator::finalize_outcome(Conn& c, i64 end) {
  finalize_verdicts(c, end);
  const SideModel& cl = c.side[0];
  const bool completed = cl.reached_est && c.side[1].reached_est;
  if (cl.sent_syn && !completed && m_flood.flooded_at(c.server_id, cl.first_syn))
    c.anomalies |= A_SYN_FLOOD;
}

std::string Generator::unprovable_reason(
    u32 ci, const std::vector<const Sent*>& pk, const std::vector<std::int64_t>& successor,
    const std::vector<char>& provable, const std::vector<std::vector<const Sent*>>& by_conn) const {
  const Conn& c = m_conns[ci];
  const Outcome truth = outcome_of(c);
  std::vector<char> captured(pk.size());
  for (std::size_t i = 0; i < pk.size(); ++i)
    captured[i] = pk[i]->captured;
  auto proves = [&](const std::vector<char>& cap, i64 end) {
    const Evidence evidence(pk, cap);
    return replay(c, evidence.packets(false), end) == truth &&
           replay(c, evidence.packets(true), end) == truth;
  };
  // Which dropped packet costs the outcome: one whose loss alone breaks it, else one whose
  // recovery alone mends it.
  auto blame = [&](std::size_t i, const std::vector<char>& cap) {
    const std::string role = k_role_names[pk[i]->role];
    if (i + 1 == pk.size())
      return "last:" + role;
    Step rebuilt;
    return (Evidence(pk, cap).proof(i, rebuilt) >= 0 ? "partial:" : "unproven:") + role;
  };
  if (!proves(captured, m_last_written_time)) {
    if (!c.superseded && proves(captured, m_last_time))
      return "capture_end";
    for (std::size_t i = 0; i < pk.size(); ++i) {
      if (captured[i])
        continue;
      std::vector<char> one(pk.size(), 1);
      one[i] = 0;
      if (!proves(one, m_last_time))
        return blame(i, one);
    }
    for (std::size_t i = 0; i < pk.size(); ++i) {
      if (captured[i])
        continue;
      std::vector<char> mended = captured;
      mended[i] = 1;
      if (proves(mended, m_last_time))
        return blame(i, captured);
    }
    return "combined";
  }
  // A capture of the clients' packets alone cannot see a server's silence: the replay takes
  // the missing answers for none, but an unanswered SYN (and its verdict) is not proven.
  if (m_o.one_direction == 0 && c.side[0].sent_syn && !c.side[1].sent_anything)
    return "one_sided_silence";
  // In a capture that missed segments, a client that never answered a captured SYN-ACK
  // may have answered it in packets the capture missed (a capture buffer that overflows
  // drops whole bursts), so tcpstate does not call it half-open.
  if (m_o.capture_loss > 0 && (truth.anomalies & A_HALF_OPEN)) {
    bool client_spoke_after_syn = false;
    for (const Sent* sent : pk)
      if (sent->captured && sent->step.from == 0 && !(sent->step.flags & F::syn))
        client_spoke_after_syn = true;
    if (!client_spoke_after_syn && c.side[1].sent_syn)
      return "silent_client";
  }
  // In a capture that missed segments, one SYN with no answer may have been answered by
  // packets the capture missed too (a client without an answer retransmits), so tcpstate
  // does not call it unanswered unless the server is flooded: when the capture kept only
  // one copy of an unanswered connection's SYNs, its verdict is not proven.
  if (m_o.capture_loss > 0 && c.side[0].sent_syn && !c.side[1].sent_anything &&
      !(c.anomalies & A_SYN_FLOOD)) {
    int captured_syns = 0;
    for (const Sent* sent : pk)
      if (sent->captured && sent->step.from == 0 && (sent->step.flags & F::syn))
        ++captured_syns;
    if (captured_syns == 1)
      return "lone_syn_copy";
  }
  // tcpstate tells an incarnation from the next by its SYN, and judges the one before at
  // that SYN: both hang on it being captured. What the reuse found of the previous one
  // (missing_time_wait) is proven only if that one is.
  if (c.previous >= 0) {
    if (!pk.front()->captured)
      return "reuse_syn";
    if (!provable[static_cast<std::size_t>(c.previous)])
      return "reuse_previous";
  }
  if (c.superseded) {
    const auto& next = by_conn[static_cast<std::size_t>(successor[ci])];
    if (next.empty() || !next.front()->captured)
      return "successor_syn";
  }
  // A flood verdict counts the other connections' SYNs: it is proven only if the SYNs the
  // capture kept flood the server at this connection's SYN, which must itself be captured.
  const CaptureInfo& k = m_capture[ci];
  const bool flood = c.anomalies & A_SYN_FLOOD;
  const bool completed = c.side[0].reached_est && c.side[1].reached_est;
  const bool seen_flood = c.side[0].sent_syn && !completed && k.syn_time >= 0 &&
                          m_flood_captured.flooded_at(c.server_id, k.syn_time);
  if (flood && (k.syn_time != c.side[0].first_syn || !seen_flood))
    return "flood_window";
  if (!flood && seen_flood)
    return "flood_window";
  return "";
}

void Generator::write_expected(i64 end) {
  std::FILE* out = std::fopen(m_o.expected.c_str(), "w");
  if (out == nullptr) {
    std::perror(m_o.expected.c_str());
    std::exit(1);
  }
  std::fputs("client_addr,client_port,server_addr,server_port,client_state,server_state,close,"
             "closed_by,client_packets,server_packets,client_retransmits,server_retransmits,"
             "anomalies,notes,first_packet,kind",
             out);
  const bool lossy = m_o.lossy();
  std::fputs(lossy ? ",provable,reason,dropped\n" : "\n", out);
  // Lossy: the truth is the full traffic's, but a row exists only for a connection the
  // capture kept a packet of, first_packet numbers the written frames, and each row says
  // whether what was kept proves its outcome.
  std::vector<std::vector<const Sent*>> by_conn;
  std::vector<std::int64_t> successor;
  std::vector<char> provable;
  std::vector<std::string> reasons;
  if (lossy) {
    by_conn.resize(m_conns.size());
    for (const Sent& p : m_sent)
      by_conn[p.conn].push_back(&p);
    successor.assign(m_conns.size(), -1);
    for (u32 i = 0; i < m_conns.size(); ++i)
      if (m_conns[i].previous >= 0)
        successor[static_cast<std::size_t>(m_conns[i].previous)] = i;
    m_capture.resize(m_conns.size());
    for (u32 i = 0; i < m_conns.size(); ++i)
      if (m_conns[i].first_packet != 0)
        finalize_outcome(m_conns[i], end);
    // Index order puts an incarnation before the one reusing its four-tuple.
    provable.assign(m_conns.size(), 0);
    reasons.resize(m_conns.size());
    for (u32 i = 0; i < m_conns.size(); ++i) {
      if (m_capture[i].first_written == 0)
        continue;
      reasons[i] = unprovable_reason(i, by_conn[i], successor, provable, by_conn);
      provable[i] = reasons[i].empty();
    }
  }
  std::vector<std::pair<u64, u32>> order;
  order.reserve(m_conns.size());
  for (u32 i = 0; i < m_conns.size(); ++i) {
    const u64 first = lossy ? m_capture[i].first_written : m_conns[i].first_packet;
    if (first != 0)
      order.emplace_back(first, i);
  }
  std::sort(order.begin(), order.end());
  std::string line;
  for (const auto& [first, index] : order) {
    Conn& c = m_conns[index];
    if (!lossy)
      finalize_outcome(c, end);
    const SideModel& cl = c.side[0];
    const SideModel& sv = c.side[1];
    const auto [close, by] = close_of(c);
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
            kind_name(c.kind);
    if (lossy) {
      line += provable[index] ? ",1," : ",0,";
      line += reasons[index] + ',';
      u32 listed = 0; // bit per role
      bool any = false;
      for (const Sent* p : by_conn[index]) {
        if (p->captured || (listed >> p->role & 1U))
          continue;
        listed |= 1U << p->role;
        line += any ? ";" : "";
        line += k_role_names[p->role];
        any = true;
      }
    }
    line += '\n';
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
    std::memcpy(h, &magic, sizeof magic);
    std::memcpy(h + 4, &major, sizeof major);
    std::memcpy(h + 6, &minor, sizeof minor);
    std::memcpy(h + 8, &zero, sizeof zero);
    std::memcpy(h + 12, &zero, sizeof zero);
    std::memcpy(h + 16, &snaplen, sizeof snaplen);
    std::memcpy(h + 20, &link, sizeof link);
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
      release = std::max(c.last_time + 2 * (30 * k_s), closed_at);
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
  // Lossy: packets and bytes are the written capture's (what a reader of it measures); the
  // other figures are the network's.
  const u64 written = m_o.lossy() ? m_written : m_emitted;
  for (std::FILE* f : {stats, stderr}) {
    if (f == nullptr)
      continue;
    std::fprintf(f, fmt, static_cast<unsigned long long>(written),
                 static_cast<unsigned long long>(m_bytes),
                 double(m_bytes - 24) / double(std::max<u64>(written, 1)) - 16,
                 static_cast<unsigned long long>(with_packets),
                 static_cast<unsigned long long>(flood_conns), duration, max_open, max_held);
    if (m_o.lossy())
      std::fprintf(f, "network_packets=%llu\ncapture_loss=%g\nloss_seed=%llu\none_direction=%s\n",
                   static_cast<unsigned long long>(m_emitted), m_o.capture_loss,
                   static_cast<unsigned long long>(m_o.loss_seed),
                   m_o.one_direction < 0    ? "none"
                   : m_o.one_direction == 0 ? "client"
                                            : "server");
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
      "          [--capture-loss FRACTION] [--loss-seed N] [--one-direction client|server]\n"
      "          --out FILE.pcap [--expected FILE.csv]\n"
      "Writes FILE.pcap (classic pcap, Ethernet), the expected per-connection outcome as\n"
      "CSV (default: FILE.expected.csv) and FILE.pcap.stats. --capture-loss and\n"
      "--one-direction leave packets out of FILE.pcap only (the traffic and its outcome are\n"
      "those of --packets network packets) and add the columns provable, reason, dropped.\n",
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
    else if (a == "--capture-loss")
      o.capture_loss = std::clamp(real(), 0.0, 1.0);
    else if (a == "--loss-seed")
      o.loss_seed = count();
    else if (a == "--one-direction") {
      const std::string side = value();
      if (side != "client" && side != "server")
        return usage(argv[0]);
      o.one_direction = side == "client" ? 0 : 1;
    } else if (a == "--out")
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
