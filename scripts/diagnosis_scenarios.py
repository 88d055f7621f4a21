#!/usr/bin/python3
"""Scenario drivers for scripts/make-diagnosis-captures: the traffic behind each diagnosis
finding, made by real Linux TCP sockets in a network namespace (issue 19).

Usage (as root, from make-diagnosis-captures, already inside the namespace):
    /usr/bin/python3 diagnosis_scenarios.py list
    ip netns exec tcpst-NAME /usr/bin/python3 diagnosis_scenarios.py run NAME OUTDIR

The machinery (namespace setup, tcpdump, the ss snapshot, the JSON beside the capture) is
kernel_scenarios.py's. Each scenario here also records "expected_findings": the diagnosis
kinds and subjects tcpstate must report with the scenario's tcpstate_args, checked by
tests/check_diagnosis.py, and "kernel_counts": how many sockets ss showed in each state.
"""
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kernel_scenarios as ks  # noqa: E402
from kernel_scenarios import LOOP4, PORT, accept, client, fmt, linger0, listener  # noqa: E402

SCENARIOS = {}
SERVER = fmt(LOOP4, PORT)


def scenario(fn):
    SCENARIOS[fn.__name__.removeprefix("sc_")] = fn
    return fn


def expect(sc, kind, subject, severity=None, metrics=None):
    """Declares a finding the scenario is designed to raise; metrics: {name: minimum}."""
    entry = {"kind": kind, "subject": subject}
    if severity:
        entry["severity"] = severity
    if metrics:
        entry["metrics_at_least"] = metrics
    sc.extra.setdefault("expected_findings", []).append(entry)


def allow(sc, *kinds):
    """Findings the scenario's traffic also raises, beside the one it was designed for."""
    sc.extra.setdefault("allowed_findings", []).extend(kinds)


def declare_by_kernel_state(sc, made):
    """Declares each client's connection with the anomalies its kernel states imply: a client
    still in SYN_SENT got no answer; one ESTABLISHED against a server in SYN_RECV is
    half-open."""
    rows = ks.parse_ss(sc.ss_tan)
    for c in made:
        client_state = rows.get((c, SERVER), "CLOSED")
        server_state = rows.get((SERVER, c), "CLOSED")
        if client_state == "SYN_SENT":
            sc.declare(c, SERVER, anomalies=["syn_unanswered"],
                       comment="SYN dropped by the listener's full queue")
        elif client_state == "ESTABLISHED" and server_state == "SYN_RECEIVED":
            sc.declare(c, SERVER, anomalies=["half_open"],
                       comment="handshake ACK never reached the listener")
        else:
            sc.declare(c, SERVER)


def count_states(sc):
    counts = {}
    for (_local, _peer), state in ks.parse_ss(sc.ss_tan).items():
        counts[state] = counts.get(state, 0) + 1
    sc.extra["kernel_counts"] = dict(sorted(counts.items()))


def end_marker(sc, lsock):
    """One ordinary connection on PORT+1, closed by its client: a pcap has no end-of-capture
    record, so its last packets mark when the capture ended."""
    c = client(sc, port=PORT + 1)
    name = ks.sockname(c)
    s = accept(sc, lsock)
    ks.exchange(c, s)
    c.close()
    ks.wait_eof(s)
    s.close()
    sc.declare(name, fmt(LOOP4, PORT + 1), comment="end-of-capture marker")
    return name


def short_exchange(sc, lsock, server_closes, abort=None):
    """One request/reply connection; returns the client's endpoint. server_closes: the server
    closes first (else the client); abort: "server" sends RST after its reply (SO_LINGER 0)."""
    c = client(sc)
    name = ks.sockname(c)
    s = accept(sc, lsock)
    ks.exchange(c, s)
    if abort == "server":
        linger0(s)
        s.close()
        try:
            c.recv(10)
        except OSError:
            pass
        c.close()
    elif server_closes:
        s.close()
        ks.wait_eof(c)
        c.close()
    else:
        c.close()
        ks.wait_eof(s)
        s.close()
    # Closed sockets are no longer needed: keep the fd count flat over a burst.
    sc.sockets = [x for x in sc.sockets if x is not c and x is not s]
    return name


@scenario
def sc_diag_server_closes_first(sc):
    n = 250
    sc.description = (f"A burst of {n} short request/reply connections to 127.0.0.1:{PORT}, "
                      "one every few milliseconds; the "
                      "server closes each first (as HTTP/1.0 servers do), so every connection "
                      "leaves a server TIME_WAIT socket: ss shows them all at the end.")
    sc.tcpstate_args = ["--time-wait-threshold", "200"]
    sc.setup()
    lsock = listener(sc, backlog=128)
    sc.start_capture()
    made = set()
    for _ in range(n):
        made.add(ks.norm_ep(short_exchange(sc, lsock, server_closes=True)))
        time.sleep(0.008)  # spread over a few seconds, so a rate can be measured
    time.sleep(0.2)
    sc.snapshot()
    count_states(sc)
    sc.run_clients = made
    sc.declare_default()
    expect(sc, "time_wait_load", f"server {SERVER}", "warning",
           {"closed_first_by_server": n, "time_wait_peak": n, "implied_time_wait": 1000})


@scenario
def sc_diag_port_range_burst(sc):
    low, high, n = 40000, 40255, 240
    sc.description = (f"ip_local_port_range narrowed to {low}-{high} ({high - low + 1} ports) "
                      f"inside the namespace; one client makes {n} short connections to "
                      f"127.0.0.1:{PORT} and closes each first, so its ports sit in TIME_WAIT "
                      "and connect() is close to EADDRNOTAVAIL.")
    sc.tcpstate_args = ["--port-range", f"{low}-{high}"]
    sc.setup()
    sc.sysctl("net.ipv4.ip_local_port_range", f"{low} {high}")
    lsock = listener(sc, backlog=128)
    sc.start_capture()
    made = set()
    for _ in range(n):
        made.add(ks.norm_ep(short_exchange(sc, lsock, server_closes=False)))
    time.sleep(0.2)
    sc.snapshot()
    count_states(sc)
    sc.run_clients = made
    sc.declare_default()
    sc.extra["port_range"] = [low, high]
    expect(sc, "ephemeral_port_pressure", f"client {LOOP4} to {SERVER}", "error",
           {"ports_in_2msl": n})


@scenario
def sc_diag_leaking_server(sc):
    n = 8
    sc.description = (f"{n} clients, one every 0.35 s, send a request, read the reply and "
                      "close; the server application never closes any of them, so its "
                      "CLOSE_WAIT sockets pile up until the capture ends 1.5 s after the "
                      "last. A normal connection on port 8081 marks the end.")
    sc.tcpstate_args = ["--close-wait-timeout", "1"]
    sc.server_ports = {PORT, PORT + 1}
    sc.setup()
    lsock = listener(sc)
    marker = listener(sc, port=PORT + 1)
    sc.start_capture()
    for _ in range(n):
        c = client(sc)
        name = ks.sockname(c)
        s = accept(sc, lsock)
        ks.exchange(c, s)
        c.close()
        ks.wait_eof(s)  # the application sees EOF ... and never closes
        sc.declare(name, SERVER, anomalies=["close_wait_leak"],
                   comment="server ACKed the FIN and never sent its own")
        time.sleep(0.35)
    time.sleep(1.5)
    end_marker(sc, marker)
    sc.snapshot()
    count_states(sc)
    expect(sc, "close_wait_leak", f"server {SERVER}", "error",
           {"leaked": n, "close_wait_at_end": n})


@scenario
def sc_diag_accept_queue_full(sc):
    n = 12
    sc.description = (f"A listener with backlog 1 that never calls accept(); {n} clients "
                      "connect at once (non-blocking). Two handshakes complete into the accept "
                      "queue; while it is full Linux drops every further SYN, so those clients "
                      "retransmit their SYNs unanswered (SYN_SENT to the end).")
    sc.tcpstate_args = ["--finding-min-connections", "2"]
    sc.setup()
    lsock = listener(sc, backlog=1)
    sc.start_capture()
    made = set()
    for _ in range(n):
        c = client(sc, blocking=False)
        made.add(ks.norm_ep(ks.sockname(c)))
        time.sleep(0.01)
    time.sleep(3.5)
    sc.snapshot(settle=0)
    count_states(sc)
    sc.keep = lsock
    declare_by_kernel_state(sc, made)
    expect(sc, "syn_unanswered", f"server {SERVER}", "warning", {"unanswered": n - 2})


@scenario
def sc_diag_syn_backlog(sc):
    n, backlog = 12, 4
    sc.description = (f"tcp_syncookies=0; a listener with backlog {backlog}; the clients' "
                      "handshake ACKs are dropped in INPUT (in the capture, never reaching the "
                      "listener: a dead return path), so each request stays in the SYN queue, "
                      f"SYN_RECV, retransmitting its SYN-ACK. {n} clients connect; once "
                      f"{backlog} requests fill the SYN queue, Linux drops the other SYNs.")
    sc.tcpstate_args = ["--finding-min-connections", "2"]
    sc.setup()
    sc.sysctl("net.ipv4.tcp_syncookies", 0)
    sc.ipt("-A", "INPUT", "-p", "tcp", "--dport", str(PORT), "--tcp-flags",
           "SYN,ACK,FIN,RST,PSH", "ACK", "-j", "DROP")
    lsock = listener(sc, backlog=backlog)
    sc.start_capture()
    made = set()
    for _ in range(n):
        c = client(sc, blocking=False)
        made.add(ks.norm_ep(ks.sockname(c)))
        time.sleep(0.01)
    time.sleep(3.5)
    sc.snapshot(settle=0)
    count_states(sc)
    sc.keep = lsock
    declare_by_kernel_state(sc, made)
    # The clients think they are ESTABLISHED (half-open against SYN_RECV) and the SYNs
    # dropped once the queue was full are unanswered: findings of their own.
    allow(sc, "half_open", "syn_unanswered")
    expect(sc, "syn_backlog", f"server {SERVER}", "error",
           {"syn_received_retransmitting": backlog,
            # Linux admits backlog + 1 requests before it drops SYNs.
            "syn_unanswered": n - backlog - 1})


@scenario
def sc_diag_abortive_server(sc):
    n = 20
    sc.description = (f"{n} request/reply connections; after each reply the server closes "
                      "with SO_LINGER {1,0}, so the kernel sends RST instead of FIN.")
    sc.setup()
    lsock = listener(sc, backlog=64)
    sc.start_capture()
    made = set()
    for _ in range(n):
        made.add(ks.norm_ep(short_exchange(sc, lsock, server_closes=True, abort="server")))
    time.sleep(0.2)
    sc.snapshot()
    count_states(sc)
    sc.run_clients = made
    sc.declare_default(anomalies=["rst_instead_of_fin"])
    expect(sc, "abortive_close", f"server {SERVER}", "warning",
           {"rst_by_server": n, "after_response": n})


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "list":
        print("\n".join(SCENARIOS))
        return 0
    if len(sys.argv) != 4 or sys.argv[1] != "run" or sys.argv[2] not in SCENARIOS:
        print(__doc__, file=sys.stderr)
        return 2
    name, outdir = sys.argv[2], sys.argv[3]
    sc = ks.Scenario(name, outdir)
    try:
        SCENARIOS[name](sc)
        sc.stop_capture()
        sc.write()
    finally:
        sc.teardown()
        ks.subprocess.run(["rm", "-rf", sc.tmp])
    return 0


if __name__ == "__main__":
    sys.exit(main())
