#include "tcpstate/diagnosis/finding.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <tuple>

namespace tcpstate::diagnosis {
namespace {

// The one table of finding kinds. The man page's DIAGNOSIS section says the same in more
// words, with the thresholds; change both together.
constexpr std::array<KindInfo, k_kind_count> k_kinds{{
    {Kind::syn_flood,
     "syn_flood",
     "SYN flood",
     "More handshakes towards this server were left unfinished within the flood window than "
     "a busy but healthy server ever has: its SYN queue fills with half-open entries whose "
     "sources never complete (often spoofed), and real clients' SYNs are then dropped.",
     {"turn on SYN cookies (net.ipv4.tcp_syncookies=1, the Linux default): the queue can no "
      "longer fill, at the cost of TCP options such as window scaling being squeezed into "
      "the cookie",
      "raise net.ipv4.tcp_max_syn_backlog and the listen() backlog: buys time, not a cure",
      "filter the sources upstream (rate limits per source, a scrubbing service): stops the "
      "flood before it costs the host anything, but spoofed sources make per-source rules "
      "weak",
      ""}},
    {Kind::close_wait_leak,
     "close_wait_leak",
     "CLOSE_WAIT leak",
     "These endpoints received their peer's FIN, acknowledged it, and their application "
     "never called close(): the socket stays in CLOSE_WAIT, holding a file descriptor and "
     "memory, until the process exits. The kernel cannot time it out. A count that grows "
     "over the capture is a leak (typically a connection pool that does not release a "
     "connection the peer closed); one that drains is an application slow to notice EOF.",
     {"fix the application: treat a read of 0 bytes (EOF) as the peer's close and close the "
      "socket, on every error path too; the only real cure",
      "make the connection pool validate or evict idle connections: hides the bug while "
      "bounding it, at the cost of extra checks",
      "restart the process periodically: releases the sockets, but drops live connections "
      "and hides the cause",
      ""}},
    {Kind::half_open,
     "half_open",
     "half-open connections",
     "One endpoint still holds the connection while the other has lost it: the peer "
     "rebooted, crashed, or was cut off by a firewall or NAT that forgot the flow. The side "
     "that still holds it learns only when it writes (and gets a RST or retransmits to a "
     "timeout) or when a keepalive probe finds out.",
     {"enable TCP keepalive (SO_KEEPALIVE with net.ipv4.tcp_keepalive_time lowered, or "
      "per-socket TCP_KEEPIDLE): finds dead peers, at the cost of a few idle packets",
      "have the application send its own heartbeats or time out idle reads: works through "
      "proxies, costs protocol work",
      "raise the idle timeout of NAT or firewall state tables above the applications' idle "
      "time: fewer silent cuts, more state held",
      "set TCP_USER_TIMEOUT so unacknowledged writes fail sooner: faster detection, but "
      "may give up on a slow yet live path"}},
    {Kind::syn_backlog,
     "syn_backlog",
     "handshakes left in SYN_RECEIVED",
     "The server answered SYNs with SYN-ACKs and then retransmitted them, never seeing the "
     "handshake complete, and endpoints are still in SYN_RECEIVED at the end: its accept "
     "queue is full (the application does not call accept() fast enough, so the kernel "
     "drops the final ACKs), or the path back from the client is dead. When SYNs to the "
     "same server also went unanswered, its SYN queue was full as well.",
     {"accept faster or with more workers: the real fix when the application is the "
      "bottleneck",
      "raise the listen() backlog and net.core.somaxconn (and net.ipv4.tcp_max_syn_backlog): "
      "absorbs bursts, at the cost of memory and of queueing clients longer",
      "keep SYN cookies on (net.ipv4.tcp_syncookies=1): an overflowing SYN queue no longer "
      "drops SYNs, though options such as window scaling may be lost",
      "check the return path (firewall, asymmetric routing) when the accept queue is not "
      "full"}},
    {Kind::ephemeral_port_pressure,
     "ephemeral_port_pressure",
     "ephemeral-port pressure",
     "This client opened so many connections to one server address and port within 2*MSL "
     "that it is using up its ephemeral source ports. A four-tuple can only be reused once "
     "the old connection has left TIME_WAIT (on whichever side holds it), so at exhaustion "
     "connect() fails with EADDRNOTAVAIL or new SYNs collide with old connections.",
     {"reuse connections (HTTP keep-alive, a connection pool): the real fix, far fewer "
      "handshakes",
      "widen net.ipv4.ip_local_port_range (or --port-range here if it is not the default): "
      "more ports, at the risk of colliding with services listening in the range",
      "enable net.ipv4.tcp_tw_reuse=1 on the client: lets connect() reuse a port in "
      "TIME_WAIT when timestamps prove it safe; only for outgoing connections",
      "spread over more destination addresses or ports: each server endpoint has its own "
      "port space. Never tcp_tw_recycle: it broke clients behind NAT and was removed in "
      "Linux 4.12"}},
    {Kind::time_wait_load,
     "time_wait_load",
     "TIME_WAIT load",
     "The side that closes a connection first holds it in TIME_WAIT for 2*MSL (60 s on "
     "Linux) so that late segments of the old connection cannot corrupt a new one (RFC 9293 "
     "section 3.6.1). When a server closes first (as HTTP servers do), every short "
     "connection leaves one TIME_WAIT socket on it: the count settles at the new-connection "
     "rate times 2*MSL. TIME_WAIT sockets are cheap (no file descriptor, little memory) but "
     "count against net.ipv4.tcp_max_tw_buckets, beyond which the kernel destroys them "
     "early.",
     {"use keep-alive so one connection carries many requests: fewer TIME_WAIT and fewer "
      "handshakes, at the cost of idle connections held open",
      "let the client close first (e.g. HTTP: the client closes after the response): "
      "TIME_WAIT moves to the clients, which are many and each hold few",
      "raise net.ipv4.tcp_max_tw_buckets if the count approaches it: more memory, nothing "
      "else",
      "never tcp_tw_recycle (removed in Linux 4.12, it broke clients behind NAT); SO_LINGER "
      "with a zero timeout avoids TIME_WAIT by sending RST, losing data in flight"}},
    {Kind::syn_unanswered,
     "syn_unanswered",
     "unanswered SYNs",
     "Clients sent SYNs to this server address and port and nothing came back, not even a "
     "RST: a firewall drops them silently, the host is down or unreachable, or its listen "
     "queues are full (Linux drops SYNs while the accept queue is full, and while the SYN "
     "queue is full when SYN cookies are off). (With nothing listening a live host answers "
     "RST; see connection_refused.)",
     {"check firewalls and security groups between client and server: a DROP rule looks "
      "exactly like this",
      "check that the host is up and routes back to the clients",
      "if the server's listen queue overflows, see syn_backlog: accept faster or raise the "
      "backlog",
      "make clients fail fast (a lower connect timeout, fewer tcp_syn_retries): quicker "
      "errors, less patience with a slow path"}},
    {Kind::connection_refused,
     "connection_refused",
     "refused connections",
     "The server host answered SYNs with RST: nothing listens on that port (the service is "
     "down, restarting or bound to another address), or a firewall rejects with RST.",
     {"start the service or fix its listen address and port",
      "fix the clients' configuration if they aim at the wrong port",
      "if a restart caused it, let the new process take over the listening socket "
      "(SO_REUSEPORT or socket activation): no refusals during deploys, at the cost of "
      "deployment machinery",
      ""}},
    {Kind::abortive_close,
     "abortive_close",
     "abortive closes (RST instead of FIN)",
     "Connections were ended by RST instead of the FIN exchange: the application closed "
     "with SO_LINGER set to a zero timeout, closed with unread data in its receive buffer "
     "(the kernel then resets, RFC 9293 section 3.6), or aborted. Data in flight is lost "
     "and the peer sees ECONNRESET. The stage (before data, after the request, after the "
     "response) points at the code path that aborts.",
     {"close gracefully (shutdown() then close() after reading to EOF): no lost data, "
      "costs one TIME_WAIT on the closing side",
      "drop SO_LINGER 0 unless TIME_WAIT avoidance is worth losing data in flight",
      "read the whole request before closing: a close with unread data resets",
      "check load balancers and proxies that reset idle connections on their own"}},
    {Kind::missing_time_wait,
     "missing_time_wait",
     "TIME_WAIT cut short",
     "The side that closed first did not stay in TIME_WAIT for 2*MSL: it sent a RST during "
     "or after the FIN exchange, or the same four-tuple was reused sooner. Without "
     "TIME_WAIT, a delayed segment of the old connection can land in a new one, and a lost "
     "final ACK cannot be repeated.",
     {"close normally instead of SO_LINGER 0 after the FIN exchange: keeps the protection, "
      "costs TIME_WAIT sockets",
      "if TIME_WAIT load was the reason, prefer keep-alive or letting the client close first "
      "(see time_wait_load)",
      "keep TCP timestamps on (net.ipv4.tcp_timestamps=1): they protect reused four-tuples "
      "(RFC 7323 PAWS)",
      ""}},
    {Kind::capture_quality,
     "capture_quality",
     "capture quality",
     "The capture itself is incomplete: segments the peers acknowledged are missing, the "
     "capture dropped packets, or connections were seen in one direction only. Findings "
     "that rest on silence (unanswered SYNs, half-open connections, retransmissions) and "
     "on counts over time are then weaker: a missing packet may be the capture's, not the "
     "network's.",
     {"capture on both directions of the path (the host itself, or a span port of both "
      "directions): every finding becomes provable",
      "give the capture a bigger buffer (tcpdump -B) and a small snap length (-s 128): "
      "fewer drops, no payload",
      "filter at capture time (a BPF expression) to what matters: less to keep up with", ""}},
}};

} // namespace

const KindInfo& info(Kind kind) {
  return k_kinds.at(static_cast<std::size_t>(kind));
}

std::string_view name(Kind kind) {
  return info(kind).name;
}

bool parse_severity(std::string_view text, Severity& out) {
  for (const Severity severity : {Severity::info, Severity::warning, Severity::error}) {
    if (anomaly::severity_name(severity) == text) {
      out = severity;
      return true;
    }
  }
  return false;
}

void sort_most_severe_first(std::vector<Finding>& findings) {
  std::stable_sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
    return std::tuple(b.severity, a.kind, a.subject) < std::tuple(a.severity, b.kind, b.subject);
  });
}

bool any_at_or_above(const std::vector<Finding>& findings, Severity severity) {
  return std::any_of(findings.begin(), findings.end(),
                     [severity](const Finding& finding) { return finding.severity >= severity; });
}

std::string metric_text(double value) {
  std::array<char, 32> buffer{};
  const double rounded = std::round(value * 10) / 10;
  const bool whole = rounded == std::floor(rounded);
  const auto result = whole ? std::to_chars(buffer.data(), buffer.data() + buffer.size(), rounded,
                                            std::chars_format::fixed, 0)
                            : std::to_chars(buffer.data(), buffer.data() + buffer.size(), rounded,
                                            std::chars_format::fixed, 1);
  return {buffer.data(), result.ptr};
}

} // namespace tcpstate::diagnosis
