#!/usr/bin/python3
"""Hostile captures through the tcpstate binary: never fatal, and counted for what they are.

Usage: check_hostile_inputs.py TCPSTATE_BINARY testdata/kernel

Builds every capture in the test (pcap_writer.py, standard library only), from the kernel
captures' packets or from scratch:
  * timestamps going backwards: counted as out of order, states unchanged;
  * every packet twice: states identical to the original, retransmit counts go up;
  * snaplen 0 and 0xffffffff in the file header: the same report as the original;
  * zero-length packet records interleaved: counted as truncated_link, same states;
  * pcapng whose interfaces have different link types, one connection spread over them:
    the same states as the original;
  * extreme timestamps (0, 2^32-1 s, pcapng units that overflow 64-bit nanoseconds,
    if_tsoffset at both ends of 64 bits);
  * garbage that looks like TCP (bogus data offsets, options past the header, IP lengths
    larger than the frame or smaller than the header, IPv6 extension-header loops and
    overruns, zero-length headers, fragments, UDP, ARP): each counted under its skip reason
    in the summary, exit 0.
Every run is under the sanitizer options below; exit 99 is a sanitizer report.
"""
import json
import os
import struct
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pcap_writer as pw  # noqa: E402

TIMEOUT = 30
SANITIZER_ENV = {
    "ASAN_OPTIONS": "halt_on_error=1:exitcode=99:detect_leaks=1",
    "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1:exitcode=99",
}

failures = []
checks = 0


def check(condition, message):
    global checks
    checks += 1
    if not condition:
        failures.append(message)
        print("FAIL " + message)
    return condition


class Runner:
    def __init__(self, binary, workdir):
        self.binary = binary
        self.workdir = workdir
        self.count = 0

    def write(self, name, data):
        path = os.path.join(self.workdir, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def run(self, name, data, *args, expect_rc=0):
        """Runs on `data`; returns stdout text, or None when the run failed."""
        path = self.write(name, data)
        env = dict(os.environ, **SANITIZER_ENV)
        try:
            done = subprocess.run([self.binary, *args, "-r", path], capture_output=True,
                                  timeout=TIMEOUT, env=env, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            check(False, f"{name} {' '.join(args)}: timed out")
            return None
        err = done.stderr.decode(errors="replace")
        # A sanitizer report: its first line says what, the stack where.
        report = [line for line in err.splitlines() if "runtime error" in line or "ERROR:" in line]
        detail = "\n".join(report[:1] + err.splitlines()[-12:]) if report else err[-1500:]
        if not check(done.returncode == expect_rc,
                     f"{name} {' '.join(args)}: exit {done.returncode}, expected {expect_rc}: "
                     f"{detail}"):
            return None
        if expect_rc == 0:
            # Garbage read as frames may name link types or EtherTypes tcpstate does not
            # decode: one warning line says which.
            unsupported = "tcpstate: warning: "
            lines = [l for l in err.splitlines() if not (
                l.startswith(unsupported) and "tcpstate does not decode" in l)]
            check(not lines and len(err.splitlines()) <= 1,
                  f"{name}: unexpected stderr {err!r}")
        return done.stdout.decode()

    def rows(self, name, data):
        out = self.run(name, data, "--format", "jsonl")
        return None if out is None else [json.loads(line) for line in out.splitlines()]

    def summary(self, name, data):
        out = self.run(name, data, "--summary", "--format", "jsonl")
        return None if out is None else json.loads(out)

    def all_views(self, name, data, expect_rc=0):
        """Every view and format must survive; returns the summary."""
        for args in (["--format", "csv"], ["--format", "jsonl", "--events"],
                     ["--verify-checksums", "--format", "jsonl"], ["--anomalies-only"], []):
            self.run(name, data, *args, expect_rc=expect_rc)
        out = self.run(name, data, "--summary", "--format", "jsonl", expect_rc=expect_rc)
        return None if out is None else json.loads(out)


STATE_KEYS = ("client_addr", "client_port", "server_addr", "server_port", "client_state",
              "server_state", "close", "closed_by")


def states(rows):
    return [tuple(row[k] for k in STATE_KEYS) for row in rows]


def load(path):
    with open(path, "rb") as f:
        return pw.read_pcap_packets(f.read())


# -- cases built from real captures ------------------------------------------------------


def case_backwards(r, packets, link):
    # Swap the timestamps of the 3rd and 4th packets and move the 6th before the start.
    moved = list(packets)
    if len(moved) >= 6:
        t2, t3 = moved[2][0], moved[3][0]
        moved[2], moved[3] = (t3, moved[2][1]), (t2, moved[3][1])
        moved[5] = (moved[0][0] - 5 * 10**9, moved[5][1])
    original = r.rows("orig.pcap", pw.pcap_file(packets, link))
    summary = r.all_views("backwards.pcap", pw.pcap_file(moved, link))
    if summary is not None:
        check(summary["capture"]["timestamps_out_of_order"] > 0,
              f"backwards: out_of_order = {summary['capture']['timestamps_out_of_order']}")
    rows = r.rows("backwards.pcap", pw.pcap_file(moved, link))
    if original is not None and rows is not None:
        check(len(rows) == len(original), "backwards: connection count changed")


def case_duplicates(r, name, packets, link):
    doubled = [p for p in packets for _ in range(2)]
    original = r.rows(f"{name}.pcap", pw.pcap_file(packets, link))
    rows = r.rows(f"{name}-twice.pcap", pw.pcap_file(doubled, link))
    r.all_views(f"{name}-twice.pcap", pw.pcap_file(doubled, link))
    if original is None or rows is None:
        return
    check(states(rows) == states(original),
          f"duplicates ({name}): states {states(rows)} != original {states(original)}")
    before = sum(row["client_retransmits"] + row["server_retransmits"] for row in original)
    after = sum(row["client_retransmits"] + row["server_retransmits"] for row in rows)
    check(after > before, f"duplicates ({name}): retransmits {after} not above {before}")


def case_snaplen(r, packets, link):
    original = r.rows("orig.pcap", pw.pcap_file(packets, link))
    for snaplen in (0, 0xFFFFFFFF, 0x7FFFFFFF):
        rows = r.rows(f"snaplen{snaplen}.pcap", pw.pcap_file(packets, link, snaplen=snaplen))
        r.all_views(f"snaplen{snaplen}.pcap", pw.pcap_file(packets, link, snaplen=snaplen))
        if rows is not None and original is not None:
            check(rows == original, f"snaplen {snaplen}: report differs from the original")
    # Big-endian and nanosecond files of the same packets read the same.
    for label, data in (("big-endian", pw.pcap_file(packets, link, big_endian=True)),
                        ("nanosecond", pw.pcap_file(packets, link, nanos=True))):
        rows = r.rows(f"{label}.pcap", data)
        if rows is not None and original is not None:
            check(rows == original, f"{label}: report differs from the original")


def case_zero_length(r, packets, link):
    mixed = []
    for ts, frame in packets:
        mixed.append((ts, b"", 60))
        mixed.append((ts, frame))
    original = r.rows("orig.pcap", pw.pcap_file(packets, link))
    summary = r.all_views("zero-length.pcap", pw.pcap_file(mixed, link))
    rows = r.rows("zero-length.pcap", pw.pcap_file(mixed, link))
    if summary is not None:
        check(summary["skipped"]["truncated_link"] == len(packets),
              f"zero-length records: truncated_link {summary['skipped']['truncated_link']}, "
              f"expected {len(packets)}")
        check(summary["capture"]["packets_read"] == 2 * len(packets),
              "zero-length records: packets_read")
    if rows is not None and original is not None:
        check(states(rows) == states(original), "zero-length records: states changed")
    # A file of nothing but zero-length records, and one with a header and no records.
    summary = r.all_views("only-empty.pcap", pw.pcap_file([(0, b"")] * 100, link))
    if summary is not None:
        check(summary["capture"]["connections"] == 0, "only-empty: connections")
    r.all_views("no-records.pcap", pw.pcap_file([], link))


def reframe(frame, link, target):
    """An ethernet/IPv4-or-IPv6 frame re-wrapped for another link type."""
    assert link == pw.LINK_ETHERNET
    ethertype = struct.unpack_from("!H", frame, 12)[0]
    ip = frame[14:]
    if target == pw.LINK_ETHERNET:
        return frame
    if target == pw.LINK_RAW:
        return ip
    if target == pw.LINK_NULL:
        return pw.null_link(ip, 2 if ethertype == 0x0800 else 30)
    if target == pw.LINK_LINUX_SLL:
        return struct.pack("!HHH8sH", 0, 772, 6, b"\0" * 8, ethertype) + ip
    raise ValueError(target)


def case_pcapng_links(r, packets, link):
    links = [pw.LINK_ETHERNET, pw.LINK_RAW, pw.LINK_NULL, pw.LINK_LINUX_SLL, 147]
    spread = []
    for i, (ts, frame) in enumerate(packets):
        interface = i % 4
        spread.append((ts, interface, reframe(frame, link, links[interface])))
    # An interface with an unsupported link type carries one extra packet: skipped.
    spread.append((packets[-1][0], 4, b"\xde\xad\xbe\xef" * 8))
    original = r.rows("orig.pcap", pw.pcap_file(packets, link))
    for tsresol in (None, 9, 3):
        name = f"links-{tsresol}.pcapng"
        data = pw.pcapng_file(spread, links, tsresol=tsresol)
        summary = r.all_views(name, data)
        rows = r.rows(name, data)
        if summary is not None:
            check(summary["skipped"]["unsupported_link"] == 1,
                  f"{name}: unsupported_link {summary['skipped']['unsupported_link']}")
        if rows is not None and original is not None and tsresol != 3:
            check(states(rows) == states(original),
                  f"{name}: states {states(rows)} != original {states(original)}")


def case_extreme_times(r, packets, link):
    n = len(packets)
    for label, times in (
            ("epoch-zero", [0] * n),
            ("far-future", [(0xFFFFFFFF * 10**9) + i for i in range(n)]),
            ("zero-then-future", [0 if i % 2 else 0xFFFFFFFF * 10**9 for i in range(n)]),
            ("future-then-zero", [0xFFFFFFFF * 10**9 if i < n // 2 else i for i in range(n)])):
        data = pw.pcap_file([(t, frame) for t, (_, frame) in zip(times, packets)], link,
                            nanos=True)
        r.all_views(f"{label}.pcap", data)
    # pcapng timestamps that overflow 64-bit nanoseconds, near the largest time (a timeout
    # added to them overflowed in conn/timers.cpp), and offsets that put one packet of a
    # connection at the earliest time and the next at the latest (their difference
    # overflowed in conn/verdicts.cpp).
    for index, (tsresol, units) in enumerate(((9, 0xFFFFFFFFFFFFFFFF), (0, 0xFFFFFFFFFFFFFFFF),
                                              (0x80 | 63, 0xFFFFFFFFFFFFFFFF),
                                              (9, 0x7FFFFFFFFFFFFFFF), (9, 0x3FFFFFFFFFFFFF00))):
        times = [(units - (n - i)) if i % 3 else (i * 1000) for i in range(n)]
        data = pw.pcapng_file([(t, 0, frame) for t, (_, frame) in zip(times, packets)], [link],
                              tsresol=tsresol, raw_units=True)
        r.all_views(f"tsresol-{index}.pcapng", data)
    low, high = -(2**63), 2**63 - 1
    for label, offsets in (("min-max", [low, high]), ("max-min", [high, low]),
                           ("min-min", [low, low])):
        data = pw.pcapng_file([(i, i % 2, frame) for i, (_, frame) in enumerate(packets)],
                              [link, link], tsresol=9, tsoffsets=offsets, raw_units=True)
        r.all_views(f"tsoffset-{label}.pcapng", data)


# -- garbage that looks like TCP ---------------------------------------------------------

A = bytes([10, 0, 0, 1])
B = bytes([10, 0, 0, 2])
A6 = bytes(15) + b"\x01"
B6 = bytes(15) + b"\x02"


def tcp(flags=pw.SYN, **kw):
    return pw.tcp_header(40000, 80, 1000, 0, flags, **kw)


def garbage_frames():
    """[(label, ethernet frame, expected skip reason or None for a decoded segment[, wire
    length when not the frame's own])]."""
    eth = pw.ethernet
    cases = [
        ("data offset 0", eth(pw.ipv4_tcp(A, B, tcp(data_offset=0))), "bad_tcp_header"),
        ("data offset 4", eth(pw.ipv4_tcp(A, B, tcp(data_offset=4))), "bad_tcp_header"),
        ("data offset past segment", eth(pw.ipv4_tcp(A, B, tcp(data_offset=15))),
         "bad_tcp_header"),
        ("option length past header",
         eth(pw.ipv4_tcp(A, B, tcp(options=b"\x02\x04\x05\xb4\x08\x28\x00\x00"))), None),
        ("option length 0", eth(pw.ipv4_tcp(A, B, tcp(options=b"\x03\x00\x00\x00"))), None),
        ("option length 1", eth(pw.ipv4_tcp(A, B, tcp(options=b"\x05\x01\x00\x00"))), None),
        # Captured whole (wire length = frame length), a longer IP length is a lie; cut by
        # a snapshot length (wire length 1514), it is what was sent.
        ("IP length larger than a whole frame",
         eth(pw.ipv4_tcp(A, B, tcp(), total_length=1500)), "bad_ip_header"),
        ("IP length larger than a frame cut by snaplen",
         eth(pw.ipv4_tcp(A, B, tcp(), total_length=1500)), None, 1514),
        # Total length 0 is a capture taken before segmentation offload (TSO/BIG TCP).
        ("IP length 0", eth(pw.ipv4_tcp(A, B, tcp(), total_length=0)), None),
        ("IP length below header", eth(pw.ipv4_tcp(A, B, tcp(), total_length=12)),
         "bad_ip_header"),
        ("IP length below TCP header", eth(pw.ipv4_tcp(A, B, tcp(), total_length=30)),
         "bad_tcp_header"),
        ("IHL 0", eth(pw.ipv4_tcp(A, B, tcp(), ihl=0)), "bad_ip_header"),
        ("IHL 4", eth(pw.ipv4_tcp(A, B, tcp(), ihl=4)), "bad_ip_header"),
        ("IHL 15 past frame", eth(pw.ipv4_tcp(A, B, b"", ihl=15)[:40]), "truncated_ip"),
        # The IP lengths leave no room for a TCP header: a contradiction, not a short capture.
        ("IP header only", eth(pw.ipv4_tcp(A, B, b"")), "bad_tcp_header"),
        ("TCP cut at 10 bytes", eth(pw.ipv4_tcp(A, B, tcp()))[:14 + 20 + 10], "truncated_tcp",
         14 + 20 + 20),
        ("IPv4 cut at 10 bytes", eth(pw.ipv4_tcp(A, B, tcp()))[:14 + 10], "truncated_ip"),
        ("ethernet header only", eth(b""), "truncated_ip"),
        ("half an ethernet header", eth(b"")[:7], "truncated_link"),
        ("IP version 5 in an IPv4 ethertype",
         eth(bytes([0x55]) + pw.ipv4_tcp(A, B, tcp())[1:]), "bad_ip_header"),
        ("ARP", eth(b"\0" * 28, ethertype=0x0806), "non_ip"),
        ("UDP", eth(pw.ipv4_tcp(A, B, tcp())[:9] + b"\x11" + pw.ipv4_tcp(A, B, tcp())[10:]),
         "non_tcp"),
        ("non-first fragment",
         eth(pw.ipv4_tcp(A, B, tcp())[:6] + b"\x00\x10" + pw.ipv4_tcp(A, B, tcp())[8:]),
         "ip_fragment"),
        ("IPv6 hop-by-hop loop",
         eth(pw.ipv6_packet(A6, B6, 0, b"\x00\x00" + b"\0" * 6) * 1, ethertype=0x86DD),
         "bad_ipv6_extension"),
        ("IPv6 17 extension headers",
         eth(pw.ipv6_packet(A6, B6, 0, (b"\x00\x00" + b"\0" * 6) * 16 + b"\x06\x00" + b"\0" * 6
                            + tcp()), ethertype=0x86DD), "bad_ipv6_extension"),
        ("IPv6 extension past payload",
         eth(pw.ipv6_packet(A6, B6, 60, b"\x06\xff" + b"\0" * 6 + tcp()), ethertype=0x86DD),
         "bad_ipv6_extension"),
        ("IPv6 payload length past a whole frame",
         eth(pw.ipv6_packet(A6, B6, 6, tcp(), payload_length=4000), ethertype=0x86DD),
         "bad_ip_header"),
        ("IPv6 payload length past a frame cut by snaplen",
         eth(pw.ipv6_packet(A6, B6, 6, tcp(), payload_length=4000), ethertype=0x86DD), None,
         4054),
        ("IPv6 payload length 0 (jumbo)",
         eth(pw.ipv6_packet(A6, B6, 6, tcp(), payload_length=0), ethertype=0x86DD), None),
        ("IPv6 payload length 4",
         eth(pw.ipv6_packet(A6, B6, 6, tcp(), payload_length=4), ethertype=0x86DD),
         "bad_tcp_header"),
        ("IPv6 header cut", eth(pw.ipv6_packet(A6, B6, 6, tcp()), ethertype=0x86DD)[:14 + 39],
         "truncated_ip"),
        ("IPv6 no next header", eth(pw.ipv6_packet(A6, B6, 59, b""), ethertype=0x86DD),
         "non_tcp"),
        ("IPv6 version 4 in an IPv6 ethertype",
         eth(pw.ipv4_tcp(A, B, tcp()) + b"\0" * 40, ethertype=0x86DD), "bad_ip_header"),
        ("VLAN tag, then nothing", eth(b"\x00\x01", ethertype=0x8100), "truncated_link"),
    ]
    return cases


def case_garbage(r):
    cases = garbage_frames()
    # Each alone, so a wrong classification names its case.
    for label, frame, reason, *wire in cases:
        summary = r.all_views("garbage-one.pcap",
                              pw.pcap_file([(10**9, frame, wire[0] if wire else len(frame))]))
        if summary is None:
            failures.append(f"garbage {label!r}: run failed")
            continue
        skipped = {k: v for k, v in summary["skipped"].items() if v}
        if reason is None:
            check(not skipped and summary["capture"]["tcp_segments"] == 1,
                  f"garbage {label!r}: expected a decoded segment, skipped {skipped}")
        else:
            check(skipped == {reason: 1},
                  f"garbage {label!r}: expected skipped {{{reason}: 1}}, got {skipped}")
    # All together, between the packets of a real connection, and in a raw-IP capture.
    expected = {}
    for _, _, reason, *_ in cases:
        if reason is not None:
            expected[reason] = expected.get(reason, 0) + 1
    frames = [frame for _, frame, *_ in cases]
    wires = [case[3] if len(case) > 3 else len(case[1]) for case in cases]
    summary = r.all_views("garbage-all.pcap",
                          pw.pcap_file([(10**9 + i, f, w)
                                        for i, (f, w) in enumerate(zip(frames, wires))]))
    if summary is not None:
        skipped = {k: v for k, v in summary["skipped"].items() if v}
        check(skipped == expected, f"garbage all: skipped {skipped}, expected {expected}")
    raw = [f[14:] for f in frames if len(f) > 14]
    r.all_views("garbage-raw.pcap", pw.pcap_file([(10**9, f) for f in raw], pw.LINK_RAW))
    # Every prefix of every garbage frame, as one file per link type.
    for link in (pw.LINK_ETHERNET, pw.LINK_RAW, pw.LINK_NULL, pw.LINK_LINUX_SLL, 276, 0x4000):
        prefixes = [(10**9, f[:n]) for f in frames for n in range(0, len(f) + 1, 3)]
        r.all_views(f"garbage-prefixes-{link}.pcap", pw.pcap_file(prefixes, link))


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    binary, kernel_dir = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="tcpstate-hostile.") as workdir:
        r = Runner(binary, workdir)
        packets, link = load(os.path.join(kernel_dir, "lost_final_close_ack.pcap"))
        check(link == pw.LINK_ETHERNET and len(packets) > 6, "lost_final_close_ack.pcap shape")
        case_backwards(r, packets, link)
        for name in ("lost_final_close_ack", "normal_close_by_client", "lossy_bulk",
                     "simultaneous_close", "refused_ipv6", "tuple_reuse"):
            more, more_link = load(os.path.join(kernel_dir, name + ".pcap"))
            case_duplicates(r, name, more, more_link)
        case_snaplen(r, packets, link)
        case_zero_length(r, packets, link)
        case_pcapng_links(r, packets, link)
        case_extreme_times(r, packets, link)
        case_garbage(r)
    print(f"hostile inputs: {checks} checks, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
