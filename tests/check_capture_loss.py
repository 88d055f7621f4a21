#!/usr/bin/python3
"""Capture loss: tcpstate on kernel-truth captures with packets taken out of the capture.

Usage:
    check_capture_loss.py TCPSTATE_BINARY testdata/kernel [--verbose] [--only SCENARIO]
                          [--sweep drop|direction|all] [--unknowable FILE] [--known FILE]
                          [--jobs N] [--include-pending] [--write-unknowable | --write-known]
    check_capture_loss.py --self-test testdata/kernel

A packet the network delivered but the capture missed changes nothing on the wire, so the
kernel's end state in each testdata/kernel/<scenario>.json still holds for a capture with that
packet taken out. Two sweeps over every scenario that lists connections (scenarios marked
"pending_capture_gap_analysis" are skipped as check_kernel_truth.py skips them, unless
--include-pending):

  drop       every TCP packet in turn left out (run id drop:N, N counting from 1 in the full
             capture), except the last packet of its connection: nothing after it could prove
             it was there, so leaving it out is a different capture, not a lossy one. Not run
             on captures of more than MAX_DROP_PACKETS TCP packets (it is quadratic).
  direction  the capture reduced to the packets each connection's client sent (only:client)
             and to those its server sent (only:server).

The full capture is run too, as a baseline: its failures are shown and a reduced run's
failure that the full capture has as well is labelled, but only the sweeps' runs count.

Per run, every endpoint state the kernel knew (sides the JSON marks "unknowable" aside) must
equal tcpstate's; in the direction sweep only the captured side is asserted (the unseen one is
counted, not asserted). A mismatch passes only when it is unknowable by one of two narrow
rules (see rule_unknowable) or when (scenario, run, connection, side) is listed with a reason
in the unknowable file (default testdata/kernel/capture_loss_unknowable.txt; its header says
the format). A listed entry that tcpstate now gets right, one a rule already covers, one the
sweep no longer produces, or one whose reason still starts with TODO fails the check. No
connection of a reduced run may carry an anomaly that the full capture's connection does not
(missing ones are only counted).

The known file (default capture_loss_known.txt beside the unknowable file; same format, and
SIDE may also be anomaly:NAME) lists shortfalls of tcpstate's analysis: states and false
anomalies a better analysis could get right. A mismatch or false anomaly listed there does not
fail its run, but the run is "known wrong", never "fully right": the figures count known-wrong
endpoints and known false anomalies apart from the right ones and from the failures ("wrong"
and "false anomalies" count only those that fail). Its entries fail like the unknowable ones
when stale (the run is now right, or a rule covers it), unproduced, or still TODO; a key may
not be in both files. The final line is "N passed, M failed" (runs, known-wrong ones among the
passed, plus one when a list is wrong in a way no run shows); exit status 1 on any failure.

--write-unknowable rewrites the unknowable file from the current mismatches, keeping the
reasons of entries that are still needed and writing "TODO: reason" for new ones (which then
fail until someone explains them). --write-known does the same for the known file, from the
mismatches and false anomalies no list or rule covers. --self-test runs the checker against
fake binaries: the kernel's truth must pass, a wrong state or a false anomaly must fail, and
so must a stale or unexplained entry in either list; a known entry covering a mismatch or a
false anomaly must pass without counting the run as fully right. Standard library only.
"""
import argparse
import concurrent.futures
import contextlib
import datetime
import io
import ipaddress
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict

RUN_TIMEOUT = 120
# The drop sweep is quadratic in a capture's size; the small namespace captures are what it is
# for (a capture that already misses thousands of packets is its own capture-loss test).
MAX_DROP_PACKETS = 2000
UNKNOWABLE_NAME = "capture_loss_unknowable.txt"
KNOWN_NAME = "capture_loss_known.txt"
FIN, SYN, RST, ACK = 0x01, 0x02, 0x04, 0x10
VXLAN_PORT = 4789

UNKNOWABLE_HEADER = """\
# Capture loss (tests/check_capture_loss.py): endpoint states that what is left of a capture
# cannot prove. Each entry excuses exactly one mismatch between tcpstate and the kernel.
#
# One entry per line, fields separated by blanks, the reason is the rest of the line:
#   SCENARIO  RUN  CONNECTION  SIDE  REASON
# SCENARIO    a testdata/kernel/<SCENARIO>.json that lists connections
# RUN         drop:N       packet N of the full capture (counting from 1) left out
#             only:client  only the packets each connection's client sent
#             only:server  only the packets each connection's server sent
# CONNECTION  CLIENT-SERVER as written in the JSON (IPv6 in [ ]), followed by #INCARNATION
#             when the JSON has more than one connection on that four-tuple
# SIDE        client or server: the endpoint whose kernel state cannot be known
# REASON      why no analyzer could know it from the packets left, naming the packet(s);
#             an entry whose reason starts with TODO fails the check.
# An entry tcpstate now gets right, or one the sweep no longer produces, fails the check as
# stale: delete it. Only state mismatches can be listed; a false anomaly always fails.
# The checker's own rules (rule_unknowable: fin-ack-unseen, peer-rst-unseen) cover a side's
# last transition on an unanswered peer packet in the direction sweep; do not list those.
# Regenerating a capture changes its ports and packet numbers: rewrite its entries then.
# Form of an entry (not a real one):
#   some_scenario  drop:7  127.0.0.1:40000-127.0.0.1:8080#1  server  left-out packet 7 was ...
"""

KNOWN_HEADER = """\
# Capture loss (tests/check_capture_loss.py): known shortfalls of tcpstate's analysis. Each
# entry is a defect of tcpstate's inference, not a state the capture cannot prove: a better
# analysis could get it right from the packets left. The reason says why tcpstate goes wrong.
#
# One entry per line, fields separated by blanks, the reason is the rest of the line:
#   SCENARIO  RUN  CONNECTION  SIDE  REASON
# SCENARIO, RUN and CONNECTION as in capture_loss_unknowable.txt. A false anomaly on a
# connection tcpstate reports but the run does not have (an "extra connection") is named
# extra:CLIENT-SERVER with the ends as tcpstate reports them.
# SIDE        client or server: the endpoint whose state tcpstate gets wrong, or
#             anomaly:NAME: tcpstate reports anomaly NAME the full capture does not have
# REASON      what in tcpstate's inference goes wrong, naming the packet(s); an entry whose
#             reason starts with TODO fails the check.
# A listed mismatch or false anomaly does not fail its run, but the run counts as known
# wrong, not as right: the figures show known-wrong endpoints and known false anomalies
# apart. An entry tcpstate now gets right, one a rule or the unknowable list covers, or one
# the sweep no longer produces, fails the check as stale: delete it.
# Form of an entry (not a real one):
#   some_scenario  only:client  127.0.0.1:40000-127.0.0.1:8080  anomaly:half_open  the FIN ...
"""


# ------------------------------------------------------------------------------ addresses

# The same address forms as the kernel-truth checker beside this file, so both match
# rows to scenario connections alike.
from check_kernel_truth import norm_addr, show_ep, split_ep  # noqa: E402


# ------------------------------------------------------------------------------ pcap

class Packet:
    __slots__ = ("number", "ts_ns", "record", "src", "dst", "flags", "seq", "ack", "length",
                 "conn", "side", "kind")

    def __init__(self, number, ts_ns, record):
        self.number = number      # 1-based position in the full capture
        self.ts_ns = ts_ns
        self.record = record      # the record's bytes as stored (header + frame)
        self.src = self.dst = None
        self.flags = self.seq = self.ack = self.length = 0
        self.conn = None
        self.side = None
        self.kind = "not TCP"


def read_capture(path):
    """(global header bytes, [Packet]) of a classic pcap file."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise ValueError(f"{path}: too short for a pcap file")
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        raise ValueError(f"{path}: not a classic pcap file (pcapng is not handled here)")
    nanos = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    link = struct.unpack_from(e + "I", data, 20)[0] & 0x0FFFFFFF
    packets = []
    pos = 24
    while pos + 16 <= len(data):
        sec, frac, caplen, _wire = struct.unpack_from(e + "IIII", data, pos)
        if pos + 16 + caplen > len(data):
            raise ValueError(f"{path}: truncated record at offset {pos}")
        p = Packet(len(packets) + 1, sec * 10**9 + frac * (1 if nanos else 1000),
                   data[pos:pos + 16 + caplen])
        decoded = decode_link(link, data[pos + 16:pos + 16 + caplen], e)
        if decoded:
            p.src, p.dst, p.flags, p.seq, p.ack, p.length = decoded
        packets.append(p)
        pos += 16 + caplen
    return data[:24], packets


def decode_link(link, frame, endian):
    if link == 1:                                  # Ethernet
        return decode_ethernet(frame)
    if link in (0, 108):                           # BSD loopback: family word
        if len(frame) < 4:
            return None
        family = struct.unpack_from((endian if link == 0 else ">") + "I", frame, 0)[0]
        if family == 2:
            return decode_ip(0x0800, frame[4:])
        if family in (10, 24, 28, 30):
            return decode_ip(0x86DD, frame[4:])
        return None
    if link == 113 and len(frame) >= 16:           # Linux cooked v1
        return decode_ip(struct.unpack_from(">H", frame, 14)[0], frame[16:])
    if link == 276 and len(frame) >= 20:           # Linux cooked v2
        return decode_ip(struct.unpack_from(">H", frame, 0)[0], frame[20:])
    if link in (12, 14, 101, 228, 229) and frame:  # raw IP
        return decode_ip(0x0800 if frame[0] >> 4 == 4 else 0x86DD, frame)
    return None


def decode_ethernet(frame):
    if len(frame) < 14:
        return None
    etype = struct.unpack_from(">H", frame, 12)[0]
    pos = 14
    while etype in (0x8100, 0x88A8, 0x9100) and len(frame) >= pos + 4:
        etype = struct.unpack_from(">H", frame, pos + 2)[0]
        pos += 4
    return decode_ip(etype, frame[pos:])


def decode_ip(etype, l3):
    if etype == 0x0800 and len(l3) >= 20 and l3[0] >> 4 == 4:
        ihl = (l3[0] & 0x0F) * 4
        total = struct.unpack_from(">H", l3, 2)[0]
        proto = l3[9]
        src = norm_addr(ipaddress.IPv4Address(l3[12:16]))
        dst = norm_addr(ipaddress.IPv4Address(l3[16:20]))
        body, body_len = l3[ihl:], total - ihl
    elif etype == 0x86DD and len(l3) >= 40 and l3[0] >> 4 == 6:
        body_len = struct.unpack_from(">H", l3, 4)[0]
        proto = l3[6]
        src = norm_addr(ipaddress.IPv6Address(l3[8:24]))
        dst = norm_addr(ipaddress.IPv6Address(l3[24:40]))
        body = l3[40:]
        while proto in (0, 43, 60) and len(body) >= 8:  # hop-by-hop, routing, dest options
            ext = (body[1] + 1) * 8
            proto, body, body_len = body[0], body[ext:], body_len - ext
        if proto == 44 and len(body) >= 8:              # fragment: first fragment only
            if struct.unpack_from(">H", body, 2)[0] & 0xFFF8:
                return None
            proto, body, body_len = body[0], body[8:], body_len - 8
    else:
        return None
    if proto == 17 and len(body) >= 8 + 8 + 14:
        sport, dport = struct.unpack_from(">HH", body, 0)
        if VXLAN_PORT in (sport, dport) and body[8] & 0x08:
            return decode_ethernet(body[16:])
        return None
    if proto != 6 or len(body) < 20:
        return None
    sport, dport, seq, ack, off_flags = struct.unpack_from(">HHIIH", body, 0)
    header = (off_flags >> 12) * 4
    # Snaplen cuts payload off: the length comes from the IP header, as tcpstate takes it.
    return ((src, sport), (dst, dport), off_flags & 0x3F, seq, ack, max(0, body_len - header))


# ------------------------------------------------------------------------------ scenarios

class Conn:
    def __init__(self, index, expect, client, server, incarnation):
        self.index = index
        self.expect = expect
        self.client = client
        self.server = server
        self.incarnation = incarnation
        self.label = f"{show_ep(client)}-{show_ep(server)}"
        self.packets = []

    def tuple_key(self):
        return frozenset((self.client, self.server))


class Scenario:
    def __init__(self, directory, doc):
        self.name = doc["scenario"]
        self.args = list(doc.get("tcpstate_args", []))
        self.header, self.packets = read_capture(os.path.join(directory, doc["capture"]))
        self.conns = []
        by_tuple = defaultdict(list)
        for i, e in enumerate(doc["connections"]):
            client, server = split_ep(e["client"]), split_ep(e["server"])
            c = Conn(i, e, client, server, int(e.get("incarnation", 0)))
            self.conns.append(c)
            by_tuple[c.tuple_key()].append(c)
        for lst in by_tuple.values():
            lst.sort(key=lambda c: c.incarnation)
            if len(lst) > 1:
                for c in lst:
                    c.label += f"#{c.incarnation}"
        self.by_tuple = by_tuple
        self._assign()
        classify(self)

    def _assign(self):
        """Packets to connections with the rule the capture driver used to list them."""
        found = defaultdict(int)
        latest = {}
        for p in self.packets:
            if p.src is None:
                continue
            key = frozenset((p.src, p.dst))
            st = latest.get(key)
            is_syn = bool(p.flags & SYN) and not p.flags & ACK
            new = st is None
            if st is not None and is_syn:
                if p.src == st["first"] and st["first_isn"] == p.seq:
                    pass  # retransmitted SYN
                elif p.src != st["first"] and st["second_isn"] == p.seq:
                    pass  # retransmitted crossing SYN
                elif p.src != st["first"] and st["second_isn"] is None and not st["sync"]:
                    st["second_isn"] = p.seq  # crossing SYNs: simultaneous open
                else:
                    new = True
            if new:
                inc = found[key]
                found[key] += 1
                cands = self.by_tuple.get(key, [])
                if inc >= len(cands):
                    raise ValueError(f"{self.name}: packet {p.number} starts connection "
                                     f"#{inc} on a four-tuple the JSON lists {len(cands)} "
                                     "time(s)")
                st = {"conn": cands[inc], "first": p.src, "first_isn": p.seq if is_syn else None,
                      "second_isn": None, "sync": not is_syn}
                latest[key] = st
            if p.flags & ACK and not p.flags & SYN:
                st["sync"] = True
            c = st["conn"]
            p.conn = c
            p.side = "client" if p.src == c.client else "server"
            c.packets.append(p)
        for key, lst in self.by_tuple.items():
            if found[key] != len(lst):
                raise ValueError(f"{self.name}: capture has {found[key]} connection(s) on "
                                 f"{lst[0].label}, the JSON {len(lst)}")


def seq_after(a, b):
    return 0 < ((a - b) & 0xFFFFFFFF) < 0x80000000


def classify(sc):
    """A kind for every packet, by what it meant in the full capture (for the breakdown)."""
    for c in sc.conns:
        nxt = {}            # side -> highest sequence number sent + 1
        fin_end = {}        # side -> sequence number just past its FIN
        acked_fin = set()   # sides that have ACKed the peer's FIN
        last_ack = {}
        sent_syn = {"client": set(), "server": set()}
        for p in c.packets:
            me, peer = p.side, ("server" if p.side == "client" else "client")
            span = p.length + (1 if p.flags & SYN else 0) + (1 if p.flags & FIN else 0)
            end = (p.seq + span) & 0xFFFFFFFF
            retx = me in nxt and span > 0 and not seq_after(end, nxt[me])
            if me in nxt and p.length in (0, 1) and not p.flags & (SYN | FIN | RST) \
                    and ((p.seq + 1) & 0xFFFFFFFF) == nxt[me] and p.flags & ACK:
                kind = "keep-alive probe"
            elif p.flags & RST:
                kind = "RST-ACK" if p.flags & ACK else "RST"
            elif p.flags & SYN:
                # A simultaneous open's SYN-ACK repeats the side's own SYN: only a repeat of
                # the same kind is a retransmission.
                kind = "SYN-ACK" if p.flags & ACK else "SYN"
                if kind in sent_syn[me]:
                    kind += " retransmission"
                sent_syn[me].add(kind)
            elif p.flags & FIN:
                kind = "FIN retransmission" if retx else ("FIN with data" if p.length else "FIN")
            elif p.length:
                kind = "data retransmission" if retx else "data"
            elif p.flags & ACK:
                if peer in fin_end and p.ack == fin_end[peer] and peer not in acked_fin:
                    kind = "ACK of FIN"
                    acked_fin.add(peer)
                elif me == "client" and me not in last_ack and "server" in nxt \
                        and p.ack == nxt["server"]:
                    kind = "handshake ACK"
                elif last_ack.get(me) == p.ack:
                    kind = "duplicate ACK"
                else:
                    kind = "ACK"
            else:
                kind = "bare segment"
            if p.flags & ACK:
                last_ack[me] = p.ack
            if p.flags & FIN and not retx:
                fin_end[me] = end
            if span and (me not in nxt or seq_after(end, nxt[me])):
                nxt[me] = end
            p.kind = f"{me} {kind}"
        c.fin_end = fin_end


def load_scenarios(directory, only, include_pending=False):
    """Scenarios to sweep, [(name, why skipped)], [scenarios that could not be read]."""
    out, skipped, errors = [], [], []
    for f in sorted(os.listdir(directory)):
        if not f.endswith(".json"):
            continue
        with open(os.path.join(directory, f)) as fh:
            doc = json.load(fh)
        name = doc.get("scenario") or f[:-5]
        doc["scenario"] = name
        if only and name not in only:
            continue
        if not doc.get("connections"):
            skipped.append((name, doc.get("not_produced", "no connections")))
            continue
        # The same convention as check_kernel_truth.py: a scenario whose full capture tcpstate
        # is not yet expected to get right says so, and its reduced runs would only repeat it.
        if doc.get("pending_capture_gap_analysis") and not include_pending:
            skipped.append((name, "pending_capture_gap_analysis (--include-pending runs it)"))
            continue
        # Its capture already misses packets by design; a second, swept gap on top models
        # nothing the single-loss targets are about.
        if doc.get("capture_gaps_by_design") and not include_pending:
            skipped.append((name, "capture_gaps_by_design (--include-pending runs it)"))
            continue
        try:
            out.append(Scenario(directory, doc))
        except (OSError, ValueError, KeyError) as e:
            errors.append(f"{name}: cannot be swept: {e}")
    return out, skipped, errors


# ------------------------------------------------------------------------------ runs

class Run:
    def __init__(self, sc, sweep, run_id, removed=None, captured=None):
        self.sc = sc
        self.sweep = sweep
        self.run_id = run_id
        self.removed = removed        # the left-out Packet (drop sweep)
        self.captured = captured      # "client"/"server" (direction sweep)
        self.rows = None
        self.error = None
        self.problems = []            # failures, one line each
        self.endpoints = self.matched = self.unknowable = 0
        self.unseen = self.unseen_matched = 0
        self.false_anomalies = self.missed_anomalies = 0
        self.mismatches = []          # (conn label, side, want, have) not listed
        self.false_list = []          # (conn label, anomaly) not listed as known
        self.known_wrong = self.known_anomalies = 0   # excused by the known list
        self.known_causes = []        # short descriptions of those, for the breakdown
        self.causes = []              # short failure descriptions for the breakdown
        self.notes = []               # excused mismatches, shown with --verbose
        self.rules = []               # (rule name, tcpstate right anyway) per rule-covered side

    def kept(self):
        """The reduced capture's packets; made on demand, as holding them for every run of a
        sweep costs memory quadratic in the capture's size."""
        if self.removed is not None:
            return [p for p in self.sc.packets if p is not self.removed]
        if self.captured is not None:
            return [p for p in self.sc.packets if p.side == self.captured]
        return list(self.sc.packets)

    def reset(self):
        self.problems, self.mismatches, self.causes, self.notes, self.rules = [], [], [], [], []
        self.false_list, self.known_causes = [], []
        self.endpoints = self.matched = self.unknowable = self.unseen = self.unseen_matched = 0
        self.false_anomalies = self.missed_anomalies = 0
        self.known_wrong = self.known_anomalies = 0

    @property
    def ok(self):
        return not self.problems

    @property
    def known(self):
        """Passes only because the known list excuses something: wrong, not right."""
        return self.ok and bool(self.known_wrong or self.known_anomalies)

    @property
    def right(self):
        return self.ok and not self.known


def make_runs(scenarios, sweep):
    runs, notes = [], []
    for sc in scenarios:
        runs.append(Run(sc, "full", "full"))
        if sweep in ("drop", "all"):
            tcp = sum(p.conn is not None for p in sc.packets)
            if tcp > MAX_DROP_PACKETS:
                notes.append(f"{sc.name}: no drop sweep: {tcp} TCP packets would make {tcp} "
                             f"runs of {tcp - 1} packets each (limit {MAX_DROP_PACKETS})")
            else:
                last = {c.packets[-1].number for c in sc.conns if c.packets}
                for p in sc.packets:
                    if p.conn is None or p.number in last:
                        continue
                    runs.append(Run(sc, "drop", f"drop:{p.number}", removed=p))
        if sweep in ("direction", "all"):
            for side in ("client", "server"):
                if any(q.side == side for q in sc.packets):
                    runs.append(Run(sc, "direction", f"only:{side}", captured=side))
                else:
                    notes.append(f"{sc.name}: no only:{side} run: the capture has no packet "
                                 f"from a {side}")
    return runs, notes


def execute(binary, run, tmpdir):
    path = os.path.join(tmpdir, f"{run.sc.name}@{run.run_id.replace(':', '-')}.pcap")
    with open(path, "wb") as f:
        f.write(run.sc.header)
        for p in run.kept():
            f.write(p.record)
    cmd = [binary, "-r", path, "--format", "jsonl", *run.sc.args]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as e:
        run.error = f"could not run tcpstate: {e}"
        return run
    finally:
        try:
            os.unlink(path)
        except OSError:
            pass
    if r.returncode != 0:
        msg = r.stderr.strip().splitlines()
        run.error = f"tcpstate exited {r.returncode}" + (f": {msg[-1]}" if msg else "")
        return run
    rows = []
    for n, line in enumerate(r.stdout.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            run.error = f"output line {n} is not JSON: {e}"
            return run
        if not isinstance(obj, dict) or "client_addr" not in obj:
            continue
        missing = [k for k in ("client_port", "server_addr", "server_port", "client_state",
                               "server_state", "anomalies") if k not in obj]
        if missing:
            run.error = f"output line {n} lacks {', '.join(missing)}"
            return run
        rows.append(obj)
    run.rows = rows
    return run


def time_us(text):
    """'2026-11-22T04:56:46.964360Z' -> integer microseconds since the epoch, or None."""
    try:
        text = str(text)
        main, _, frac = text.rstrip("Z").partition(".")
        base = datetime.datetime.strptime(main, "%Y-%m-%dT%H:%M:%S")
        secs = int(base.replace(tzinfo=datetime.timezone.utc).timestamp())
        return secs * 10**6 + int((frac + "000000")[:6])
    except (ValueError, TypeError):
        return None


def map_rows(run):
    """{conn index: row}, [unmapped rows]. A row belongs to the connection whose packet it
    starts with (first_seen); rows without a usable first_seen fill the rest in order."""
    kept_conns = run.kept_conns
    by_tuple = defaultdict(list)
    for i, row in enumerate(run.rows):
        try:
            ends = frozenset(((norm_addr(row["client_addr"]), int(row["client_port"])),
                              (norm_addr(row["server_addr"]), int(row["server_port"]))))
        except (TypeError, ValueError):
            ends = None
        by_tuple[ends].append((row.get("conn_id") if isinstance(row.get("conn_id"), int)
                               else i, i, row))
    mapped, unmapped = {}, []
    for key, rows in by_tuple.items():
        rows.sort(key=lambda t: (t[0], t[1]))
        conns = [c for c in run.sc.by_tuple.get(key, []) if c.index in kept_conns]
        if not conns:
            unmapped.extend(r for _, _, r in rows)
            continue
        leftover = []
        for _, _, row in rows:
            us = time_us(row.get("first_seen"))
            owner = None
            if us is not None:
                for c in conns:
                    if c.index not in mapped and any(
                            p.ts_ns // 1000 == us for p in c.packets if p in run.kept_set):
                        owner = c
                        break
            if owner is None:
                leftover.append(row)
            else:
                mapped[owner.index] = row
        for row in leftover:
            free = [c for c in conns if c.index not in mapped]
            if free:
                mapped[free[0].index] = row
            else:
                unmapped.append(row)
    return mapped, unmapped


def endpoint_state(row, conn, side):
    ep = conn.client if side == "client" else conn.server
    for role in ("client", "server"):
        try:
            here = (norm_addr(row[f"{role}_addr"]), int(row[f"{role}_port"]))
        except (TypeError, ValueError, KeyError):
            continue
        if here == ep:
            return str(row[f"{role}_state"]).upper()
    return "(not in row)"


# Linux never retransmits sooner than this (TCP_RTO_MIN): a capture that ends earlier than
# that after a side's last packet cannot show the side waiting for an answer that never came.
RTO_MIN_NS = 200 * 10**6


def rule_unknowable(run, conn, side):
    """(rule name, reason) when the direction sweep leaves a side's kernel state unprovable
    in principle, else None. Both shapes are a last transition on a packet from the peer
    that the side never answers and whose existence none of the side's own packets implies:
      fin-ack-unseen   the side had ACKed the peer's FIN and sent its own; the peer's ACK of
                       that FIN comes only after the side's last packet, so LAST_ACK vs
                       CLOSED (or CLOSING vs TIME_WAIT) cannot be told
      peer-rst-unseen  the peer's RST closed the side after its last packet
    Conservative: only the newest incarnation of a four-tuple (an older one is superseded,
    which the newer one's packets show), and only when the reduced capture ends within
    TCP_RTO_MIN of the side's last packet (later, a missing retransmission is evidence)."""
    want = conn.expect[f"{side}_state"]
    if run.captured != side or want not in ("CLOSED", "TIME_WAIT"):
        return None
    if conn.incarnation != max(c.incarnation for c in run.sc.by_tuple[conn.tuple_key()]):
        return None
    mine = [p for p in conn.packets if p.side == side]
    if not mine:
        return None
    last = mine[-1]
    gap = run.end_ns - last.ts_ns
    if gap >= RTO_MIN_NS:
        return None
    peer = "server" if side == "client" else "client"
    theirs = [p for p in conn.packets if p.side == peer]
    ms = f"{gap / 1e6:.3f} ms"
    if side in conn.fin_end and peer in conn.fin_end:
        acked_peer_fin = [p for p in mine if p.flags & ACK and p.ack == conn.fin_end[peer]]
        acks = [p for p in theirs if p.flags & ACK and p.ack == conn.fin_end[side]]
        if acked_peer_fin and acks and acks[0].number > last.number:
            return ("fin-ack-unseen",
                    f"it ACKed the peer's FIN (packet {acked_peer_fin[0].number}) and sent its "
                    f"own; only the peer's ACK of that FIN (packet {acks[0].number}, not in this "
                    f"capture, unanswered) completes the close, and the capture ends {ms} "
                    f"after its last packet {last.number}")
    if want == "CLOSED" and not any(p.flags & RST for p in mine):
        rst = [p for p in theirs if p.flags & RST and p.number > last.number]
        if rst:
            return ("peer-rst-unseen",
                    f"the peer's RST (packet {rst[0].number}, not in this capture) closed it "
                    f"after its last packet {last.number}; a RST draws no reply, and the "
                    f"capture ends {ms} after that packet")
    return None


def judge(run, listed, known):
    """Fills the run's figures and problems; marks the listed and known entries it used."""
    if run.error:
        run.problems.append(run.error)
        run.causes.append("tcpstate failed")
        return
    kept = run.kept()
    run.kept_set = set(kept)
    run.kept_conns = kept_conns = {p.conn.index for p in kept if p.conn is not None}
    run.end_ns = max((p.ts_ns for p in kept), default=0)
    try:
        judge_rows(run, listed, known, kept_conns)
    finally:
        del run.kept_set, run.kept_conns, run.end_ns


def judge_rows(run, listed, known, kept_conns):
    mapped, unmapped = map_rows(run)
    sc = run.sc
    for c in sc.conns:
        if c.index not in kept_conns:
            continue  # none of its packets left: nothing to judge it by
        row = mapped.get(c.index)
        unknowable = c.expect.get("unknowable") or {}
        for side in ("client", "server"):
            if side in unknowable:
                continue
            want = c.expect[f"{side}_state"]
            have = endpoint_state(row, c, side) if row is not None else "(no connection)"
            if run.captured is not None and side != run.captured:
                run.unseen += 1
                run.unseen_matched += want == have
                continue
            run.endpoints += 1
            key = (sc.name, run.run_id, c.label, side)
            entry, shortfall = listed.get(key), known.get(key)
            rule = rule_unknowable(run, c, side)
            for e in (entry, shortfall):
                if e is not None:
                    e["judged"] = True
                    if rule:
                        e["redundant"] = rule[0]
            if want == have:
                run.matched += 1
                if rule:
                    run.rules.append((rule[0], True))
                for e in (entry, shortfall):
                    if e is not None:
                        e["stale"] = True
                continue
            if rule:
                run.unknowable += 1
                run.rules.append((rule[0], False))
                run.notes.append(f"{c.label} {side}_state tcpstate={have} kernel={want}: "
                                 f"unknowable by rule {rule[0]}: {rule[1]}")
                continue
            if entry is not None:
                entry["used"] = True
                run.unknowable += 1
                run.notes.append(f"{c.label} {side}_state tcpstate={have} kernel={want}: "
                                 f"listed unknowable: {entry['reason']}")
                continue
            if shortfall is not None:
                shortfall["used"] = True
                run.known_wrong += 1
                run.known_causes.append(f"{side} {want} -> {have}")
                run.notes.append(f"{c.label} {side}_state tcpstate={have} kernel={want}: "
                                 f"known wrong: {shortfall['reason']}")
                continue
            run.mismatches.append((c.label, side, want, have))
            run.problems.append(f"{c.label} {side}_state tcpstate={have} kernel={want}")
            run.causes.append(f"{side} {want} -> {have}")
        if row is None:
            continue
        want_a, have_a = set(c.expect.get("anomalies", [])), set(row.get("anomalies") or [])
        run.missed_anomalies += len(want_a - have_a)
        for a in sorted(have_a - want_a):
            what = f"{c.label} false anomaly {a} (full capture: {sorted(want_a) or 'none'})"
            false_anomaly(run, known, c.label, a, what, f"false {a}")
    for row in unmapped:
        key = frozenset(((norm_addr(row["client_addr"]), int(row["client_port"])),
                         (norm_addr(row["server_addr"]), int(row["server_port"]))))
        allowed = set()
        for c in sc.by_tuple.get(key, []):
            allowed |= set(c.expect.get("anomalies", []))
        where = (f"{row['client_addr']}:{row['client_port']}-"
                 f"{row['server_addr']}:{row['server_port']}")
        label = "extra:" + "-".join(
            show_ep((norm_addr(row[f"{role}_addr"]), int(row[f"{role}_port"])))
            for role in ("client", "server"))
        for a in sorted(set(row.get("anomalies") or []) - allowed):
            false_anomaly(run, known, label, a,
                          f"extra connection {where} ({row.get('client_state')}/"
                          f"{row.get('server_state')}) false anomaly {a}",
                          f"false {a} (extra connection)")


def false_anomaly(run, known, label, name, what, cause):
    """A false anomaly fails its run unless the known list has (run, label, anomaly:name)."""
    shortfall = known.get((run.sc.name, run.run_id, label, f"anomaly:{name}"))
    if shortfall is not None:
        shortfall["used"] = True
        run.known_anomalies += 1
        run.known_causes.append(cause)
        run.notes.append(f"{what}: known wrong: {shortfall['reason']}")
        return
    run.false_anomalies += 1
    run.false_list.append((label, name))
    run.problems.append(what)
    run.causes.append(cause)


def judge_list(runs, listed, kind="unknowable"):
    """Entries that excuse nothing fail the run they name: the list may not hide progress."""
    by_run = {(r.sc.name, r.run_id): r for r in runs}
    for k, v in sorted(listed.items(), key=lambda kv: kv[1]["line"]):
        r = by_run.get((k[0], k[1]))
        if r is None:
            continue  # outside this invocation's --only/--sweep, or never produced
        what = f"{kind} entry line {v['line']} ({k[2]} {k[3]})"
        if v["reason"].upper().startswith("TODO"):
            r.problems.append(f"{what} has no reason yet (starts with TODO)")
        if k[3].startswith("anomaly:"):
            if not v["used"]:
                r.problems.append(f"{what} is stale: tcpstate no longer reports that false "
                                  "anomaly there; delete it")
        elif v.get("redundant"):
            r.problems.append(f"{what} is covered by rule {v['redundant']}: delete it")
        elif v["stale"]:
            r.problems.append(f"{what} is stale: tcpstate now gets it right; delete it")
        elif not v.get("judged"):
            r.problems.append(f"{what} is stale: this run does not assert that endpoint")


# ------------------------------------------------------------------------------ unknowable list

def read_unknowable(path, anomalies=False):
    """{(scenario, run, connection, side): {"reason", "line"}}, [format problems]. With
    anomalies (the known list), SIDE may also be anomaly:NAME."""
    listed, problems = {}, []
    if not os.path.exists(path):
        return listed, problems
    with open(path) as f:
        for n, line in enumerate(f, 1):
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            parts = text.split(None, 4)
            where = f"{os.path.basename(path)}:{n}"
            if len(parts) < 5:
                problems.append(f"{where}: needs SCENARIO RUN CONNECTION SIDE REASON")
                continue
            scenario, run_id, conn, side, reason = parts
            if side not in ("client", "server") and not (
                    anomalies and side.startswith("anomaly:") and len(side) > 8):
                problems.append(f"{where}: side must be client"
                                + (", server or anomaly:NAME" if anomalies else " or server")
                                + f", not {side}")
                continue
            if not (run_id in ("only:client", "only:server")
                    or (run_id.startswith("drop:") and run_id[5:].isdigit())):
                problems.append(f"{where}: run must be drop:N, only:client or only:server")
                continue
            key = (scenario, run_id, conn, side)
            if key in listed:
                problems.append(f"{where}: duplicate of line {listed[key]['line']}")
                continue
            listed[key] = {"reason": reason, "line": n, "used": False, "stale": False}
    return listed, problems


def write_unknowable(path, runs, listed, header=UNKNOWABLE_HEADER, anomalies=False):
    """Current mismatches (and with anomalies, the current false anomalies: the known list),
    keeping the reasons already written for them; entries outside the runs just made
    (--only/--sweep) are kept as they are."""
    judged = {(r.sc.name, r.run_id) for r in runs}
    entries = {k: v["reason"] for k, v in listed.items() if (k[0], k[1]) not in judged}
    for r in runs:
        if r.sweep == "full":
            continue  # not a capture-loss run: its mismatches are kernel_truth's business
        for label, side, want, have in r.mismatches:
            entries[(r.sc.name, r.run_id, label, side)] = (
                "TODO: reason" + f" (kernel {want}, tcpstate {have})")
        if anomalies:
            for label, name in r.false_list:
                entries[(r.sc.name, r.run_id, label, f"anomaly:{name}")] = (
                    f"TODO: reason (false anomaly {name})")
        for k, v in listed.items():
            if (k[0], k[1]) == (r.sc.name, r.run_id) and v["used"]:
                entries[k] = v["reason"]

    def order(k):
        run = k[1]
        return (k[0], 0 if run.startswith("drop:") else 1,
                int(run[5:]) if run.startswith("drop:") else 0, run, k[2], k[3])
    keys = sorted(entries, key=order)
    width = [max([len(k[i]) for k in keys] + [1]) for i in range(4)]
    with open(path, "w") as f:
        f.write(header)
        if keys:
            f.write("\n")
        for k in keys:
            f.write("  ".join(k[i].ljust(width[i]) for i in range(4)) + "  " + entries[k] + "\n")
    return len(keys)


# ------------------------------------------------------------------------------ report

def pct(a, b):
    return f"{100.0 * a / b:.1f}%" if b else "-"


def kind_of(run):
    return run.removed.kind if run.removed else f"only {run.captured}'s packets"


def report(all_runs, skipped, list_failures, verbose, known_name=KNOWN_NAME):
    full = {r.sc.name: r for r in all_runs if r.sweep == "full"}
    runs = [r for r in all_runs if r.sweep != "full"]
    # A failure the full capture has too is not about the loss: label it, keep it counted.
    for r in runs:
        base = full.get(r.sc.name)
        r.inherited = set(base.problems) if base else set()
    for r in all_runs:
        what = f" (left out: {r.removed.kind})" if r.removed else ""
        for p in r.problems:
            tag = " [also in the full capture]" if r.sweep != "full" and p in r.inherited else ""
            print(f"FAIL {r.sc.name} {r.run_id}{what}: {p}{tag}")
        if verbose:
            for n in r.notes:
                print(f"     {r.sc.name} {r.run_id}{what}: {n}")
            if r.ok:
                print(f"{'known' if r.known else 'ok   '} {r.sc.name} {r.run_id}{what}")
    for p in list_failures:
        print(f"FAIL {p}")
    for name, why in skipped:
        print(f"skipped {name}" + (f": {why}" if why else ""))

    print()
    print("Capture loss figures")
    bad_full = sorted(n for n, r in full.items() if not r.ok)
    print(f"  full captures (no packet left out, not counted below): {len(full)}, wrong "
          f"{len(bad_full)}" + (f" ({', '.join(bad_full)})" if bad_full else ""))
    for sweep in ("drop", "direction"):
        rs = [r for r in runs if r.sweep == sweep]
        if not rs:
            continue
        right = sum(r.right for r in rs)
        kr = sum(r.known for r in rs)
        ep = sum(r.endpoints for r in rs)
        m = sum(r.matched for r in rs)
        u = sum(r.unknowable for r in rs)
        kw = sum(r.known_wrong for r in rs)
        # Known-wrong runs pass but are not right; "wrong" and "false anomalies" are the
        # failing ones, the known list's are counted apart.
        print(f"  {sweep:9}  runs {len(rs)}, fully right {right} ({pct(right, len(rs))}), "
              f"known wrong {kr}, failed {len(rs) - right - kr}; endpoints checked {ep}, "
              f"matched {m} ({pct(m, ep)}), unknowable {u}, wrong {ep - m - u - kw}; "
              f"false anomalies {sum(r.false_anomalies for r in rs)}, missed anomalies "
              f"{sum(r.missed_anomalies for r in rs)}; known wrong {kw} (endpoints), known "
              f"false anomalies {sum(r.known_anomalies for r in rs)}")
        if sweep == "direction":
            un = sum(r.unseen for r in rs)
            print(f"  {'':9}  unseen side (not asserted): {sum(r.unseen_matched for r in rs)}"
                  f"/{un} match the kernel")
    rules = Counter((name, right) for r in runs for name, right in r.rules)
    for name in sorted({n for n, _ in rules}):
        print(f"  rule {name}: {rules[(name, False)]} endpoint(s) excused, "
              f"{rules[(name, True)]} covered but right anyway")
    failed = [r for r in runs if not r.ok]
    if failed:
        print()
        print("  failed runs per scenario: failed/runs, wrong endpoints, false anomalies")
        print(f"    {'':30} {'drop':>15}      {'direction':>15}")
        per = defaultdict(dict)
        for r in runs:
            f = per[r.sc.name].setdefault(r.sweep, [0, 0, 0, 0])
            f[0] += not r.ok
            f[1] += 1
            f[2] += len(r.mismatches)
            f[3] += r.false_anomalies
        for name in sorted(per):
            if not any(v[0] for v in per[name].values()):
                continue
            cells = []
            for sweep in ("drop", "direction"):
                v = per[name].get(sweep)
                cells.append(f"{v[0]:4}/{v[1]:<4} {v[2]:4} {v[3]:3}" if v else f"{'-':>18}")
            note = "  (full capture wrong too)" if name in bad_full else ""
            print(f"    {name:30} {cells[0]}      {cells[1]}{note}")
        causes = defaultdict(Counter)
        nruns = Counter()
        for r in failed:
            nruns[kind_of(r)] += 1
            for c in set(r.causes):
                causes[kind_of(r)][c] += 1
        print()
        print("  failures by what was left out: runs, then runs with each wrong state "
              "(kernel -> tcpstate) or false anomaly")
        for what in sorted(nruns, key=lambda w: (-nruns[w], w)):
            detail = ", ".join(f"{c} x{k}" for c, k in causes[what].most_common())
            print(f"    {what:34} {nruns[what]:4}: {detail or 'unknowable list'}")
    known = [r for r in runs if r.known]
    if known:
        causes = defaultdict(Counter)
        nruns = Counter()
        for r in known:
            nruns[kind_of(r)] += 1
            for c in set(r.known_causes):
                causes[kind_of(r)][c] += 1
        print()
        print(f"  known wrong ({known_name}; passed, not right) by what was left out: runs, "
              "then runs with each known wrong state (kernel -> tcpstate) or false anomaly")
        for what in sorted(nruns, key=lambda w: (-nruns[w], w)):
            detail = ", ".join(f"{c} x{k}" for c, k in causes[what].most_common())
            print(f"    {what:34} {nruns[what]:4}: {detail}")
    passed = sum(r.ok for r in runs)
    if known:
        print(f"known wrong, not right: {len(known)} of the {passed} passed runs")
    # The list itself counts as one more failure when it is wrong in a way no run can show.
    bad = len(runs) - passed + (1 if list_failures else 0)
    print(f"{passed} passed, {bad} failed")
    return 1 if bad else 0


def check(binary, directory, only=None, sweep="all", verbose=False, unknowable=None,
          jobs=None, write=False, include_pending=False, known=None, write_known=False):
    unknowable = unknowable or os.path.join(directory, UNKNOWABLE_NAME)
    known = known or os.path.join(os.path.dirname(unknowable), KNOWN_NAME)
    try:
        scenarios, skipped, errors = load_scenarios(directory, only, include_pending)
    except (OSError, ValueError, KeyError) as e:
        print(f"cannot read the scenarios: {e}")
        print("0 passed, 1 failed")
        return 1
    if only and not scenarios and not errors:
        print(f"no scenario with connections named {', '.join(only)}")
        print("0 passed, 1 failed")
        return 1
    listed, shortfalls, list_problems = read_lists(unknowable, known)
    runs, run_notes = make_runs(scenarios, sweep)
    skipped = skipped + [(n, "") for n in run_notes]
    jobs = jobs or os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="capture_loss.") as tmp:
        with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
            list(pool.map(lambda r: execute(binary, r, tmp), runs))
    for r in runs:
        judge(r, listed, shortfalls)
    if write or write_known:
        if write:
            path, n = unknowable, write_unknowable(unknowable, runs, listed)
        else:
            path, n = known, write_unknowable(known, runs, shortfalls, KNOWN_HEADER, True)
        print(f"wrote {n} entr{'y' if n == 1 else 'ies'} to {path}; each new one says "
              "TODO and fails until its reason is written")
        listed, shortfalls, list_problems = read_lists(unknowable, known)
        for r in runs:
            r.reset()
            judge(r, listed, shortfalls)
    judge_list(runs, listed)
    judge_list(runs, shortfalls, "known")
    return report(runs, skipped, errors + list_problems
                  + unproduced(listed, runs, scenarios, sweep, only)
                  + unproduced(shortfalls, runs, scenarios, sweep, only, os.path.basename(known)),
                  verbose, os.path.basename(known))


def read_lists(unknowable, known):
    """Both lists and their format problems; a key in both is a problem of the known list."""
    listed, problems = read_unknowable(unknowable)
    shortfalls, more = read_unknowable(known, anomalies=True)
    for k, v in sorted(shortfalls.items(), key=lambda kv: kv[1]["line"]):
        if k in listed:
            more.append(f"{os.path.basename(known)}:{v['line']}: {k[0]} {k[1]} {k[2]} {k[3]} "
                        f"is also in {os.path.basename(unknowable)} (line "
                        f"{listed[k]['line']}): unknowable or known wrong, not both")
    return listed, shortfalls, problems + more


def unproduced(listed, runs, scenarios, sweep, only, name=UNKNOWABLE_NAME):
    """Entries in scope of this invocation that name a run the sweeps do not make."""
    made = {(r.sc.name, r.run_id) for r in runs}
    names = {sc.name for sc in scenarios}
    out = []
    for k, v in sorted(listed.items(), key=lambda kv: kv[1]["line"]):
        run_sweep = "drop" if k[1].startswith("drop:") else "direction"
        if sweep not in (run_sweep, "all") or (only and k[0] not in only):
            continue
        if (k[0], k[1]) in made:
            continue
        why = ("no such scenario with connections" if k[0] not in names else
               "no such run (a connection's last packet is never left out)")
        out.append(f"{name} line {v['line']}: stale, {k[0]} {k[1]}: {why}")
    return out


# ------------------------------------------------------------------------------ self-test

FAKE = r'''#!/usr/bin/python3
# Fake tcpstate for check_capture_loss.py --self-test: prints the kernel truth as JSONL.
import json, os, sys
args = sys.argv[1:]
cap = os.path.basename(args[args.index("-r") + 1])
scenario = cap.split("@", 1)[0]
mode = MODE
doc = json.load(open(os.path.join(DIRECTORY, scenario + ".json")))
for i, c in enumerate(doc["connections"]):
    ca, cp = c["client"].rsplit(":", 1)
    sa, sp = c["server"].rsplit(":", 1)
    row = {"conn_id": i + 1, "client_addr": ca.strip("[]"), "client_port": int(cp),
           "server_addr": sa.strip("[]"), "server_port": int(sp),
           "client_state": c["client_state"], "server_state": c["server_state"],
           "anomalies": list(c["anomalies"]), "notes": []}
    if mode == "flip" and scenario == "refused_ipv6" and "drop" in cap:
        row["server_state"] = "LISTEN"
    if mode == "norst" and scenario == "refused_ipv6" and "only-client" in cap:
        row["client_state"] = "SYN_SENT"
    if mode == "anomaly" and scenario == "keepalive" and "only-client" in cap:
        row["anomalies"].append("half_open")
    print(json.dumps(row))
'''


def self_test(directory):
    entry = "refused_ipv6  drop:1  {conn}  server  "
    # (fake binary's mode, unknowable entries, known entries, list to write, exit wanted,
    # what, and a regular expression a line of the output must match)
    cases = [
        ("echo", "", "", "", 0, "the kernel's truth everywhere must pass", None),
        ("flip", "", "", "", 1, "a wrong server state in refused_ipv6 drop:1 must fail", None),
        ("flip", entry + "left out SYN: test entry\n", "", "", 0,
         "the same wrong state listed with a reason must pass", None),
        ("flip", entry + "TODO: reason\n", "", "", 1,
         "a listed entry without a reason must fail", None),
        ("echo", entry + "left out SYN: test entry\n", "", "", 1,
         "a listed entry the binary gets right (stale) must fail", None),
        ("anomaly", "", "", "", 1, "a false anomaly in keepalive only:client must fail", None),
        ("flip", "", "", "unknowable", 1,
         "--write-unknowable writes a TODO entry, which fails", None),
        ("norst", "", "", "", 0,
         "refused_ipv6 only:client SYN_SENT passes by rule peer-rst-unseen", None),
        ("norst", "refused_ipv6  only:client  {conn}  client  unseen RST: test entry\n", "", "",
         1, "an entry a rule already covers must fail", None),
        ("flip", "", entry + "test: known shortfall\n", "", 0,
         "a known entry covering the wrong state must pass, as known wrong, not right",
         r"^  drop +runs (\d+), fully right (?!\1\b)\d+ .*, known wrong 1, failed 0; .*; "
         r"known wrong 1 \(endpoints\), known false anomalies 0$"),
        ("flip", "", entry + "TODO: reason\n", "", 1,
         "a known entry without a reason must fail", None),
        ("echo", "", entry + "test: known shortfall\n", "", 1,
         "a known entry the binary gets right (stale) must fail", None),
        ("flip", entry + "left out SYN: test entry\n", entry + "test: known shortfall\n", "",
         1, "an entry both unknowable and known must fail", None),
        ("anomaly", "", "keepalive  only:client  {kconn}  anomaly:half_open  test: known\n", "",
         0, "a known false anomaly must pass, as known wrong",
         r"^  direction +runs \d+, fully right \d+ .*, known wrong 1, failed 0; .*; "
         r"known wrong 0 \(endpoints\), known false anomalies 1$"),
        ("echo", "", "keepalive  only:client  {kconn}  anomaly:half_open  test: known\n", "",
         1, "a known false anomaly the binary no longer reports (stale) must fail", None),
        ("anomaly", "", "", "known", 1,
         "--write-known writes a TODO entry for a false anomaly, which fails", None),
        ("flip", "", "", "known", 1,
         "--write-known writes a TODO entry for a wrong state, which fails", None),
    ]

    def label(name):
        with open(os.path.join(directory, name + ".json")) as f:
            c0 = json.load(f)["connections"][0]
        return f"{c0['client']}-{c0['server']}"
    conn, kconn = label("refused_ipv6"), label("keepalive")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for n, (mode, entries, known, action, want, what, says) in enumerate(cases):
            fake = os.path.join(tmp, f"fake-{mode}")
            with open(fake, "w") as f:
                f.write(FAKE.replace("MODE", repr(mode))
                        .replace("DIRECTORY", repr(os.path.abspath(directory))))
            os.chmod(fake, 0o755)
            listing = os.path.join(tmp, f"unknowable-{n}.txt")
            with open(listing, "w") as f:
                f.write(UNKNOWABLE_HEADER + entries.replace("{conn}", conn))
            known_listing = os.path.join(tmp, f"known-{n}.txt")
            with open(known_listing, "w") as f:
                f.write(KNOWN_HEADER + known.replace("{conn}", conn).replace("{kconn}", kconn))
            print(f"--- {what}")
            # The full sweep once; the rest on two small scenarios to stay quick.
            only = None if n == 0 else ["refused_ipv6", "keepalive"]
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                got = check(fake, directory, only=only, unknowable=listing, known=known_listing,
                            write=action == "unknowable", write_known=action == "known")
            print(out.getvalue(), end="")
            lines = out.getvalue().splitlines()
            if action:
                with open(listing if action == "unknowable" else known_listing) as f:
                    written = f.read()
                todo = {"unknowable": f"{conn}  server  TODO: reason (kernel ",
                        "known": (f"{kconn}  anomaly:half_open  TODO: reason (false anomaly "
                                  "half_open)" if mode == "anomaly" else
                                  f"{conn}  server  TODO: reason (kernel ")}[action]
                if todo not in written:
                    print(f"the rewritten list lacks the entry {todo!r}")
                    got = -1
            if says and not any(re.search(says, x) for x in lines):
                print(f"no line of the output matches {says!r}")
                got = -1
            results.append(got == want)
            print(f"--- {'ok' if got == want else 'WRONG'}: exit {got}, want {want}")
    ok = all(results)
    print(f"self-test {'ok' if ok else 'FAILED'}: {sum(results)}/{len(results)} cases")
    return 0 if ok else 1


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binary", nargs="?")
    ap.add_argument("directory", nargs="?")
    ap.add_argument("--self-test", metavar="DIRECTORY")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--only", action="append", metavar="SCENARIO")
    ap.add_argument("--sweep", choices=("drop", "direction", "all"), default="all")
    ap.add_argument("--unknowable", metavar="FILE")
    ap.add_argument("--known", metavar="FILE",
                    help=f"known shortfalls (default: {KNOWN_NAME} beside the unknowable file)")
    ap.add_argument("--jobs", type=int)
    write = ap.add_mutually_exclusive_group()
    write.add_argument("--write-unknowable", action="store_true")
    write.add_argument("--write-known", action="store_true")
    ap.add_argument("--include-pending", action="store_true")
    a = ap.parse_args(argv)
    if a.self_test:
        return self_test(a.self_test)
    if not a.binary or not a.directory:
        ap.print_usage(sys.stderr)
        return 2
    return check(a.binary, a.directory, only=a.only, sweep=a.sweep, verbose=a.verbose,
                 unknowable=a.unknowable, jobs=a.jobs, write=a.write_unknowable,
                 include_pending=a.include_pending, known=a.known, write_known=a.write_known)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
