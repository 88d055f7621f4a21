#!/usr/bin/python3
"""Live capture (tcpstate -i) against real kernel TCP, in a network namespace.

Usage: check_live_capture.py TCPSTATE_BINARY

Needs root (to create the namespace); without it prints "skipped: ..." and exits 77, which
tests/live_capture.cmake declares as CTest's SKIP_RETURN_CODE.

The test creates the namespace tcpst-live-<pid> with only `lo` up, joins it itself (so the
sockets it opens are inside), and starts tcpstate with `ip netns exec`. Every wait is
bounded; every tcpstate started is killed by pid and the namespace deleted, whatever
happens. Cases:

  stream     rows arrive on stdout while tcpstate still runs: normal close (client
             TIME_WAIT, server CLOSED) and refused (CLOSED/CLOSED refused); a CLOSE_WAIT leak
             and an ESTABLISHED connection held across SIGINT come out at SIGINT with their
             current states (FIN_WAIT_2/CLOSE_WAIT close_wait_leak, ESTABLISHED/ESTABLISHED);
             --interval snapshot lines on stderr; exit 0
  summary    --summary --interval: snapshot rows on stdout while running, then the summary
             with the kernel drop counters at SIGINT
  count      -c 5 stops by itself after 5 packets
  duration   --duration stops by itself
  write      -w saves a pcap that tcpstate -r reads back into the same rows
  fanout     --fanout 2: two workers in one PACKET_FANOUT group both get traffic, every
             connection lands whole in one of them (both directions), and the rows equal a
             one-worker run's on the same traffic, tcpstate -r of its -w file and of the
             workers' shared -w file, except
             conn_id (unique) and the times (each capture stamps its own copy); -c across
             workers; a SYN flood spread over both workers flagged as one worker flags it;
             --interval snapshots that add up both workers; bad --fanout values
  head       a reader that goes away ends the capture quietly with exit 0
  user       -Z nobody: capturing as nobody; -Z for a user that does not exist: exit 2
  errors     no such interface (exit 3), no permission (exit 3), bad filter (exit 2),
             -i with -r (exit 2), -D lists lo
"""

import csv
import ctypes
import io
import os
import pwd
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

SKIP = 77
CLONE_NEWNET = 0x40000000
LISTEN_TIMEOUT = 10.0  # tcpstate printing "listening on"
ROW_TIMEOUT = 5.0  # a row reaching stdout after the packets that finish it
EXIT_TIMEOUT = 10.0  # tcpstate ending after SIGINT, -c or --duration

FAILURES = []


def check(condition, message):
    if not condition:
        FAILURES.append(message)
        print("FAIL: " + message, flush=True)
    return condition


class Stream:
    """Line reader over a pipe with bounded waits."""

    def __init__(self, pipe):
        self.pipe = pipe
        self.fd = pipe.fileno()
        os.set_blocking(self.fd, False)
        self.buffer = b""
        self.lines = []
        self.eof = False

    def _fill(self, timeout):
        if self.eof:
            return False
        ready, _, _ = select.select([self.fd], [], [], max(timeout, 0))
        if not ready:
            return False
        try:
            chunk = os.read(self.fd, 65536)
        except BlockingIOError:
            return False
        if not chunk:
            self.eof = True
            if self.buffer:
                self.lines.append(self.buffer.decode())
                self.buffer = b""
            return True
        self.buffer += chunk
        *complete, self.buffer = self.buffer.split(b"\n")
        self.lines.extend(line.decode() for line in complete)
        return True

    def wait_for(self, predicate, timeout):
        """Reads until predicate(lines) is true or the timeout passes; returns its value."""
        deadline = time.monotonic() + timeout
        while True:
            result = predicate(self.lines)
            if result or self.eof:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return result
            self._fill(remaining)

    def read_to_end(self, timeout):
        deadline = time.monotonic() + timeout
        while not self.eof and time.monotonic() < deadline:
            self._fill(deadline - time.monotonic())
        return self.eof

    def text(self):
        return "\n".join(self.lines)


class Live:
    """One tcpstate -i run inside the namespace."""

    def __init__(self, namespace, binary, args, **popen):
        self.process = subprocess.Popen(
            ["ip", "netns", "exec", namespace, binary, *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            **popen,
        )
        self.out = Stream(self.process.stdout)
        self.err = Stream(self.process.stderr)

    def wait_listening(self):
        ok = self.err.wait_for(
            lambda lines: any("listening on " in line for line in lines), LISTEN_TIMEOUT)
        return check(ok, "no 'listening on' line within %ss; stderr: %r" %
                     (LISTEN_TIMEOUT, self.err.text()))

    def running(self):
        return self.process.poll() is None

    def stop(self, sig=signal.SIGINT):
        if self.running():
            self.process.send_signal(sig)
        return self.finish()

    def finish(self):
        """Waits (bounded) for the end; returns the exit code, None if it had to be killed."""
        self.out.read_to_end(EXIT_TIMEOUT)
        self.err.read_to_end(2.0)
        try:
            return self.process.wait(timeout=EXIT_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        for pipe in (self.process.stdout, self.process.stderr):
            try:
                pipe.close()
            except OSError:
                pass


def csv_rows(lines):
    text = "\n".join(line for line in lines if line)
    return list(csv.DictReader(io.StringIO(text))) if text else []


def row_for(port_field, port):
    def find(lines):
        for row in csv_rows(lines):
            if row.get(port_field) == str(port):
                return row
        return None
    return find


# ---- traffic, all on 127.0.0.1 inside the namespace ----

def listener():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(5)
    return server


def connect_pair(server):
    client = socket.create_connection(server.getsockname(), timeout=5)
    accepted, _ = server.accept()
    accepted.settimeout(5)
    return client, accepted


def normal_close():
    """Client sends, closes first; server reads EOF and closes: client TIME_WAIT."""
    server = listener()
    try:
        client, accepted = connect_pair(server)
        client.sendall(b"hello")
        accepted.recv(16)
        port = client.getsockname()[1]
        client.close()
        accepted.recv(16)  # EOF
        accepted.close()
        return port, server.getsockname()[1]
    finally:
        server.close()


def unused_port():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


def refused():
    port = unused_port()
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
        check(False, "connect to the unused port %d succeeded" % port)
    except ConnectionRefusedError:
        pass
    return port


# ---- cases ----

def case_stream(namespace, binary):
    live = Live(namespace, binary, ["-i", "lo", "--format", "csv", "--close-wait-timeout", "1",
                                    "--interval", "0.5"])
    held = []
    try:
        if not live.wait_listening():
            return
        client_port, _ = normal_close()
        refused_port = refused()

        row = live.out.wait_for(row_for("client_port", client_port), ROW_TIMEOUT)
        check(live.running(), "tcpstate ended before SIGINT")
        if check(row, "normal close: no row on stdout within %ss while capturing; stdout %r" %
                 (ROW_TIMEOUT, live.out.text())):
            check((row["client_state"], row["server_state"], row["close"]) ==
                  ("TIME_WAIT", "CLOSED", "fin"), "normal close row: %r" % row)
            check(row["anomalies"] == "", "normal close has anomalies: %r" % row)
        row = live.out.wait_for(row_for("server_port", refused_port), ROW_TIMEOUT)
        if check(row, "refused: no row on stdout within %ss while capturing" % ROW_TIMEOUT):
            check((row["client_state"], row["server_state"], row["close"]) ==
                  ("CLOSED", "CLOSED", "refused"), "refused row: %r" % row)
            check("refused" in row["anomalies"].split(";"), "refused anomaly: %r" % row)

        # A leak: the client closes, the server never does (kept open past SIGINT).
        leak_server = listener()
        held.append(leak_server)
        leak_client, leak_accepted = connect_pair(leak_server)
        held.append(leak_accepted)
        leak_port = leak_client.getsockname()[1]
        leak_client.close()
        check(leak_accepted.recv(16) == b"", "leak: server did not see EOF")
        # And one connection simply open.
        open_server = listener()
        held.append(open_server)
        open_client, open_accepted = connect_pair(open_server)
        held += [open_client, open_accepted]
        open_port = open_client.getsockname()[1]

        time.sleep(2.0)  # past --close-wait-timeout 1
        check(live.running(), "tcpstate ended before SIGINT")
        check(row_for("client_port", leak_port)(live.out.lines) is None,
              "leak row written before SIGINT although the connection is open")
        snapshot = live.err.wait_for(lambda lines: any(
            line.startswith("tcpstate: snapshot ") and "client ESTABLISHED 1" in line
            for line in lines), ROW_TIMEOUT)
        check(snapshot, "no --interval snapshot line on stderr with the ESTABLISHED "
              "connection: %r" % live.err.text())

        code = live.stop(signal.SIGINT)
        check(code == 0, "SIGINT: exit %r, stderr %r" % (code, live.err.text()))
        leak = row_for("client_port", leak_port)(live.out.lines)
        if check(leak, "leak: no row at SIGINT; stdout %r" % live.out.text()):
            check((leak["client_state"], leak["server_state"]) == ("FIN_WAIT_2", "CLOSE_WAIT"),
                  "leak row states: %r" % leak)
            check("close_wait_leak" in leak["anomalies"].split(";"), "leak anomaly: %r" % leak)
        still_open = row_for("client_port", open_port)(live.out.lines)
        if check(still_open, "open connection: no row at SIGINT"):
            check((still_open["client_state"], still_open["server_state"]) ==
                  ("ESTABLISHED", "ESTABLISHED"), "open connection row: %r" % still_open)
        check(any("packets captured" in line for line in live.err.lines),
              "no packet counts on stderr at the end: %r" % live.err.text())
    finally:
        live.kill()
        for sock in held:
            sock.close()


def case_summary(namespace, binary):
    live = Live(namespace, binary, ["-i", "lo", "--summary", "--format", "csv",
                                    "--interval", "0.3"])
    held = []
    try:
        if not live.wait_listening():
            return
        server = listener()
        client, accepted = connect_pair(server)
        held += [server, client, accepted]

        def established_snapshot(lines):
            return any(line.startswith("snapshot,") and line.endswith(",client:ESTABLISHED,1")
                       for line in lines)
        ok = live.out.wait_for(established_snapshot, ROW_TIMEOUT)
        check(ok and live.running(),
              "--summary --interval: no snapshot row with client:ESTABLISHED,1 while "
              "capturing; stdout %r" % live.out.text())
        check(live.out.lines[:1] == ["section,key,metric,value"],
              "snapshot rows do not start with the summary header: %r" % live.out.lines[:2])
        code = live.stop(signal.SIGTERM)
        check(code == 0, "SIGTERM: exit %r" % code)
        lines = live.out.lines
        check("capture,,kernel_dropped,0" in lines and "capture,,interface_dropped,0" in lines,
              "summary without the drop counters: %r" % live.out.text())
        check("capture,,connections,1" in lines, "summary does not count the open connection")
        check("state,client,ESTABLISHED,1" in lines, "summary state of the open connection")
        check(lines.count("section,key,metric,value") == 1, "header repeated")
    finally:
        live.kill()
        for sock in held:
            sock.close()


def summary_value(lines, metric):
    prefix = "capture,," + metric + ","
    for line in lines:
        if line.startswith(prefix):
            return line[len(prefix):]
    return None


def case_count(namespace, binary):
    live = Live(namespace, binary, ["-i", "lo", "-c", "5", "--summary", "--format", "csv"])
    try:
        if not live.wait_listening():
            return
        normal_close()
        code = live.finish()
        check(code == 0, "-c 5: exit %r (or did not stop by itself)" % code)
        check(summary_value(live.out.lines, "packets_read") == "5",
              "-c 5: packets_read %r" % summary_value(live.out.lines, "packets_read"))
    finally:
        live.kill()


def case_duration(namespace, binary):
    start = time.monotonic()
    live = Live(namespace, binary, ["-i", "lo", "--duration", "1", "--format", "jsonl"])
    try:
        if not live.wait_listening():
            return
        code = live.finish()
        elapsed = time.monotonic() - start
        check(code == 0 and elapsed < 1 + EXIT_TIMEOUT, "--duration 1: exit %r after %.1fs" %
              (code, elapsed))
        check(elapsed >= 1.0, "--duration 1 ended after %.2fs" % elapsed)
    finally:
        live.kill()


def case_write(namespace, binary, scratch):
    path = os.path.join(scratch, "saved.pcap")
    live = Live(namespace, binary, ["-i", "lo", "--format", "csv", "-w", path])
    try:
        if not live.wait_listening():
            return
        client_port, _ = normal_close()
        refused_port = refused()
        live.out.wait_for(lambda lines: row_for("client_port", client_port)(lines) and
                          row_for("server_port", refused_port)(lines), ROW_TIMEOUT)
        code = live.stop()
        check(code == 0, "-w: exit %r" % code)
        live_rows = csv_rows(live.out.lines)
    finally:
        live.kill()
    replay = subprocess.run([binary, "-r", path, "--format", "csv"], capture_output=True,
                            text=True, timeout=30)
    check(replay.returncode == 0, "-r of the -w file: exit %d, %s" %
          (replay.returncode, replay.stderr))
    replay_rows = csv_rows(replay.stdout.splitlines())
    key = lambda row: (row["client_port"], row["server_port"])
    check(len(live_rows) == 2, "-w: expected 2 live rows, got %r" % live_rows)
    check(sorted(live_rows, key=key) == sorted(replay_rows, key=key),
          "-w: tcpstate -r of the saved file differs:\nlive   %r\nreplay %r" %
          (live_rows, replay_rows))


def case_fanout(namespace, binary, scratch):
    path = os.path.join(scratch, "fanout.pcap")
    fanned_path = os.path.join(scratch, "fanned.pcap")
    fanned = Live(namespace, binary, ["-i", "lo", "--fanout", "2", "--format", "csv", "-w",
                                      fanned_path])
    single = Live(namespace, binary, ["-i", "lo", "--format", "csv", "-w", path])
    connections = 48
    try:
        if not (fanned.wait_listening() and single.wait_listening()):
            return
        check(any("2 workers in a fanout group" in line for line in fanned.err.lines),
              "--fanout 2: the listening line does not say so: %r" % fanned.err.text())
        ports = [normal_close()[0] for _ in range(connections)]
        ports.append(refused())
        enough = lambda lines: len(csv_rows(lines)) >= connections + 1
        fanned.out.wait_for(enough, ROW_TIMEOUT)
        single.out.wait_for(enough, ROW_TIMEOUT)
        check(fanned.stop() == 0, "--fanout 2: exit not 0; stderr %r" % fanned.err.text())
        check(single.stop() == 0, "--fanout one-worker run: exit not 0")
        fanned_rows = csv_rows(fanned.out.lines)
        single_rows = csv_rows(single.out.lines)
    finally:
        fanned.kill()
        single.kill()
    per_worker = [line for line in fanned.err.lines if "packets per worker:" in line]
    counts = [int(n) for n in per_worker[0].split(":")[-1].split(",")] if per_worker else []
    # 49 connections all hashed to one worker would happen once in 2^48 runs.
    check(len(counts) == 2 and min(counts) > 0,
          "--fanout 2: both workers should get packets: %r" % per_worker)
    ids = [row["conn_id"] for row in fanned_rows]
    check(len(set(ids)) == len(ids), "--fanout 2: conn_ids repeat: %r" % ids)
    replay = subprocess.run([binary, "-r", path, "--format", "csv"], capture_output=True,
                            text=True, timeout=30)
    replay_rows = csv_rows(replay.stdout.splitlines())

    # Two captures of one packet carry timestamps that may differ by a microsecond (each
    # socket stamps its copy), so the times and round trips are left out.
    timed = {"conn_id", "first_seen", "last_seen", "duration_s", "client_handshake_rtt_s",
             "server_handshake_rtt_s", "client_data_rtt_s", "server_data_rtt_s"}

    def comparable(rows):
        kept = [{k: v for k, v in row.items() if k not in timed} for row in rows]
        return sorted(kept, key=lambda row: (row["client_port"], row["server_port"]))
    check(len(fanned_rows) == connections + 1,
          "--fanout 2: %d rows for %d connections" % (len(fanned_rows), connections + 1))
    # A connection split between the workers would show as two one-sided rows.
    check(all(int(row["client_packets"]) > 0 and int(row["server_packets"]) > 0
              for row in fanned_rows), "--fanout 2: a row seen in one direction only")
    check(comparable(fanned_rows) == comparable(single_rows),
          "--fanout 2: rows differ from one worker's on the same traffic:\n%r\n%r" %
          (comparable(fanned_rows)[:2], comparable(single_rows)[:2]))
    check(comparable(fanned_rows) == comparable(replay_rows),
          "--fanout 2: rows differ from tcpstate -r of the -w file")
    # Both workers wrote into one -w file; read back, it makes the same rows.
    fanned_replay = subprocess.run([binary, "-r", fanned_path, "--format", "csv"],
                                   capture_output=True, text=True, timeout=30)
    check(fanned_replay.returncode == 0 and
          comparable(csv_rows(fanned_replay.stdout.splitlines())) == comparable(fanned_rows),
          "--fanout 2 -w: tcpstate -r of the workers' file differs: exit %d, %s" %
          (fanned_replay.returncode, fanned_replay.stderr))

    fanout_flood(namespace, binary, comparable)
    fanout_snapshots(namespace, binary)

    counted = Live(namespace, binary, ["-i", "lo", "--fanout", "2", "-c", "10", "--format",
                                       "csv", "--summary"])
    try:
        if counted.wait_listening():
            for _ in range(6):
                normal_close()
            code = counted.finish()
            check(code == 0, "--fanout 2 -c 10: exit %r, stderr %r" % (code, counted.err.text()))
            check(summary_value(counted.out.lines, "packets_read") == "10",
                  "--fanout 2 -c 10: packets_read %r" %
                  summary_value(counted.out.lines, "packets_read"))
    finally:
        counted.kill()
    for bad, words in (("0", ["--fanout", "0"]), ("65", ["--fanout", "65"]),
                       ("x", ["--fanout", "x"])):
        result = run(namespace, binary, ["-i", "lo", *words])
        check(result.returncode == 2 and result.stderr.startswith("tcpstate: --fanout"),
              "--fanout %s: exit %d, stderr %r" % (bad, result.returncode, result.stderr))
    result = run(namespace, binary, ["-r", "x.pcap", "--fanout", "2"])
    check(result.returncode == 2, "--fanout with -r: exit %d" % result.returncode)


def fanout_snapshots(namespace, binary):
    """--fanout 2 --interval: eight connections held open, spread over both workers, are
    one snapshot row's ESTABLISHED 8, and the snapshot's packet count is both workers'."""
    live = Live(namespace, binary, ["-i", "lo", "--fanout", "2", "--summary", "--format", "csv",
                                    "--interval", "0.3"])
    held = []
    try:
        if not live.wait_listening():
            return
        for _ in range(8):
            server = listener()
            client, accepted = connect_pair(server)
            held += [server, client, accepted]

        def all_established(lines):
            return any(line.startswith("snapshot,") and line.endswith(",client:ESTABLISHED,8")
                       for line in lines)
        ok = live.out.wait_for(all_established, ROW_TIMEOUT)
        check(ok, "--fanout 2 --interval: no snapshot row with client:ESTABLISHED,8; stdout %r"
              % live.out.text()[-800:])
        packets = [int(line.rsplit(",", 1)[1]) for line in live.out.lines
                   if line.startswith("snapshot,") and ",packets_read," in line]
        check(packets and max(packets) >= 24,
              "--fanout 2 --interval: snapshot packets_read %r for 8 handshakes" % packets[-3:])
        check(live.stop() == 0, "--fanout 2 --interval: exit not 0")
        check("state,client,ESTABLISHED,8" in live.out.lines,
              "--fanout 2 --interval: the summary's states")
    finally:
        live.kill()
        for sock in held:
            sock.close()


def fanout_flood(namespace, binary, comparable):
    """A server whose accept queue is full drops 30 SYNs: over --syn-flood-threshold 20 in
    all, though each worker sees only its share; the workers share one flood detector, so
    the verdicts are one worker's."""
    flood = ["--syn-flood-threshold", "20", "--format", "csv"]
    fanned = Live(namespace, binary, ["-i", "lo", "--fanout", "2", *flood])
    single = Live(namespace, binary, ["-i", "lo", *flood])
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)  # never accepted: the queue is full after the first
    clients = []
    try:
        if not (fanned.wait_listening() and single.wait_listening()):
            return
        for _ in range(32):
            client = socket.socket()
            client.setblocking(False)
            client.connect_ex(server.getsockname())
            clients.append(client)
        time.sleep(0.3)
        check(fanned.stop() == 0 and single.stop() == 0, "--fanout flood: exit not 0")
        fanned_rows = csv_rows(fanned.out.lines)
        single_rows = csv_rows(single.out.lines)
    finally:
        fanned.kill()
        single.kill()
        for client in clients:
            client.close()
        server.close()
    flooded = [row for row in single_rows if "syn_flood" in row["anomalies"]]
    check(len(flooded) > 20, "--fanout flood: one worker flags %d of %d connections" %
          (len(flooded), len(single_rows)))
    check(comparable(fanned_rows) == comparable(single_rows),
          "--fanout flood: verdicts differ from one worker's:\n%r\n%r" %
          ([row["anomalies"] for row in comparable(fanned_rows)],
           [row["anomalies"] for row in comparable(single_rows)]))


def bulk_transfer(connections, size):
    """`connections` connections, each sending `size` bytes and closing: bounded traffic
    on the namespace's loopback."""
    for _ in range(connections):
        server = listener()
        try:
            client, accepted = connect_pair(server)
            client.sendall(b"x" * size)
            received = 0
            while received < size:
                chunk = accepted.recv(65536)
                if not chunk:
                    break
                received += len(chunk)
            client.close()
            accepted.close()
        finally:
            server.close()


def case_write_full(namespace, binary, scratch):
    """-w onto a full disk (a 64 KiB tmpfs): said at once on stderr, the analysis goes on,
    the summary counts the packets not saved, exit 3, and the file keeps whole packets."""
    mount_point = os.path.join(scratch, "small")
    os.mkdir(mount_point)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tcpst-live-small", mount_point],
                   check=True, timeout=30)
    try:
        path = os.path.join(mount_point, "saved.pcap")
        live = Live(namespace, binary, ["-i", "lo", "-s", "2000", "-B", "16384", "--summary",
                                        "--format", "csv", "-w", path])
        try:
            if not live.wait_listening():
                return
            bulk_transfer(100, 4000)
            said = live.err.wait_for(
                lambda lines: any("--write: cannot write '" + path + "': No space left on device"
                                  in line for line in lines), ROW_TIMEOUT)
            check(said and live.running(),
                  "-w full: no failure line on stderr while capturing: %r" % live.err.text())
            code = live.stop()
        finally:
            live.kill()
        check(code == 3, "-w full: exit %r, expected 3" % code)
        captured = int(summary_value(live.out.lines, "packets_read") or 0)
        not_saved = int(summary_value(live.out.lines, "packets_not_saved") or 0)
        check(captured > 0 and 0 < not_saved <= captured,
              "-w full: summary packets_read %d, packets_not_saved %d" % (captured, not_saved))
        failure_lines = [line for line in live.err.lines if "--write: cannot write" in line]
        check(len(failure_lines) == 1, "-w full: failure said %d times" % len(failure_lines))
        check("tcpstate: %d of %d packets were not saved to %s" % (not_saved, captured, path)
              in live.err.lines, "-w full: no closing count on stderr: %r" % live.err.text())
        replay = subprocess.run([binary, "-r", path, "--summary", "--format", "csv"],
                                capture_output=True, text=True, timeout=30)
        check(replay.returncode == 0,
              "-w full: the cut file does not read back: exit %d, %s" %
              (replay.returncode, replay.stderr))
        saved = int(summary_value(replay.stdout.splitlines(), "packets_read") or -1)
        check(saved == captured - not_saved,
              "-w full: file holds %d packets, expected %d - %d" % (saved, captured, not_saved))
    finally:
        subprocess.run(["umount", mount_point], timeout=30)


def case_head(namespace, binary):
    live = Live(namespace, binary, ["-i", "lo", "--format", "csv"])
    try:
        if not live.wait_listening():
            return
        client_port, _ = normal_close()
        check(live.out.wait_for(row_for("client_port", client_port), ROW_TIMEOUT),
              "head: no row")
        live.process.stdout.close()  # the reader goes away, as `| head -2` would
        try:
            code = live.process.wait(timeout=EXIT_TIMEOUT)
        except subprocess.TimeoutExpired:
            code = None
        check(code == 0, "closed stdout: exit %r (expected 0, without more traffic)" % code)
        live.err.read_to_end(2.0)
        extra = [line for line in live.err.lines if line and "listening on" not in line]
        check(not extra, "closed stdout: not quiet: %r" % extra)
    finally:
        live.kill()


def case_user(namespace, binary):
    nobody = pwd.getpwnam("nobody") if "nobody" in [p.pw_name for p in pwd.getpwall()] else None
    if nobody is not None:
        live = Live(namespace, binary, ["-i", "lo", "-Z", "nobody", "--format", "csv"])
        try:
            if live.wait_listening():
                with open("/proc/%d/status" % live.process.pid) as status:
                    uid_line = next(line for line in status if line.startswith("Uid:"))
                uids = set(uid_line.split()[1:])
                check(uids == {str(nobody.pw_uid)}, "-Z nobody: still %s" % uid_line.strip())
                client_port, _ = normal_close()
                check(live.out.wait_for(row_for("client_port", client_port), ROW_TIMEOUT),
                      "-Z nobody: no row while capturing")
                code = live.stop()
                check(code == 0, "-Z nobody: exit %r, %s" % (code, live.err.text()))
                check(len(csv_rows(live.out.lines)) == 1, "-Z nobody: rows %r" % live.out.lines)
        finally:
            live.kill()
    result = run(namespace, binary, ["-i", "lo", "-Z", "no-such-user-tcpstate"])
    check(result.returncode == 2 and
          "no such user 'no-such-user-tcpstate'" in result.stderr,
          "-Z unknown user: exit %d, %r" % (result.returncode, result.stderr))


def run(namespace, binary, args, **kwargs):
    return subprocess.run(["ip", "netns", "exec", namespace, binary, *args], capture_output=True,
                          text=True, timeout=30, stdin=subprocess.DEVNULL, **kwargs)


def drop_to_nobody():
    os.setgroups([])
    os.setgid(65534)
    os.setuid(65534)


def case_errors(namespace, binary):
    result = run(namespace, binary, ["-i", "nosuch0"])
    check(result.returncode == 3, "no such interface: exit %d" % result.returncode)
    check(result.stderr == "tcpstate: no such interface 'nosuch0' (tcpstate -D lists them)\n",
          "no such interface: stderr %r" % result.stderr)

    # This process is in the namespace already; `ip netns exec` itself would need root.
    result = subprocess.run([binary, "-i", "lo"], capture_output=True, text=True, timeout=30,
                            stdin=subprocess.DEVNULL, preexec_fn=drop_to_nobody)
    check(result.returncode == 3 and result.stderr ==
          "tcpstate: permission denied capturing on lo: run as root or grant CAP_NET_RAW\n",
          "no permission: exit %d, stderr %r" % (result.returncode, result.stderr))

    result = run(namespace, binary, ["-i", "lo", "tcp", "port", "99999"])
    check(result.returncode == 2 and "bad filter expression 'tcp port 99999'" in result.stderr,
          "bad filter: exit %d, %r" % (result.returncode, result.stderr))

    result = run(namespace, binary, ["-i", "lo", "-r", "x.pcap"])
    check(result.returncode == 2, "-i with -r: exit %d" % result.returncode)

    result = run(namespace, binary, ["-i", "lo", "-w", "/nonexistent/x.pcap"])
    check(result.returncode == 3 and result.stderr ==
          "tcpstate: --write: cannot create '/nonexistent/x.pcap': No such file or directory\n",
          "-w into a missing directory: exit %d, stderr %r" % (result.returncode, result.stderr))

    result = run(namespace, binary, ["-i", "lo", "-w", "/dev/full"])
    check(result.returncode == 3 and result.stderr ==
          "tcpstate: --write: cannot write '/dev/full': No space left on device\n",
          "-w /dev/full: exit %d, stderr %r" % (result.returncode, result.stderr))

    result = run(namespace, binary, ["-D"])
    check(result.returncode == 0 and any(line.split(" ")[0].endswith(".lo")
                                         for line in result.stdout.splitlines()),
          "-D: exit %d, %r" % (result.returncode, result.stdout))


# ---- namespace ----

def join_namespace(namespace):
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open("/run/netns/" + namespace, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns " + namespace)
    finally:
        os.close(fd)


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    binary = os.path.abspath(sys.argv[1])
    if os.geteuid() != 0:
        print("skipped: needs root for network namespaces")
        return SKIP
    if shutil.which("ip") is None:
        print("skipped: needs iproute2's ip for network namespaces")
        return SKIP

    namespace = "tcpst-live-%d" % os.getpid()
    subprocess.run(["ip", "netns", "add", namespace], check=True, timeout=30)
    scratch = tempfile.mkdtemp(prefix="tcpst-live-")
    try:
        subprocess.run(["ip", "-n", namespace, "link", "set", "lo", "up"], check=True,
                       timeout=30)
        join_namespace(namespace)
        cases = [
            ("stream", lambda: case_stream(namespace, binary)),
            ("summary", lambda: case_summary(namespace, binary)),
            ("count", lambda: case_count(namespace, binary)),
            ("duration", lambda: case_duration(namespace, binary)),
            ("write", lambda: case_write(namespace, binary, scratch)),
            ("fanout", lambda: case_fanout(namespace, binary, scratch)),
            ("write_full", lambda: case_write_full(namespace, binary, scratch)),
            ("head", lambda: case_head(namespace, binary)),
            ("user", lambda: case_user(namespace, binary)),
            ("errors", lambda: case_errors(namespace, binary)),
        ]
        for name, case in cases:
            before = len(FAILURES)
            started = time.monotonic()
            try:
                case()
            except Exception as error:  # a broken case must not hide the others
                check(False, "%s: %s: %s" % (name, type(error).__name__, error))
            print("%s %s (%.1fs)" % ("ok  " if len(FAILURES) == before else "FAIL", name,
                                     time.monotonic() - started), flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        subprocess.run(["ip", "netns", "del", namespace], timeout=30)
    if FAILURES:
        print("%d failure(s)" % len(FAILURES))
        return 1
    print("all live capture checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
