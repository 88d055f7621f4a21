#!/usr/bin/python3
"""Cut a capture at every byte offset and check how tcpstate reads each cut.

Usage: check_truncation.py TCPSTATE_BINARY CAPTURE.pcap [--stride N]

For each cut (the first K bytes of CAPTURE, K = 0 .. size) runs
    TCPSTATE_BINARY --format csv -r CUT
and requires:
  * no crash, sanitizer report (exit 99) or timeout;
  * a cut inside the file header: exit 3, one "tcpstate: " line on stderr naming the cut
    file, and no rows (the CSV header alone, or nothing);
  * a cut exactly on a record boundary: exit 0, empty stderr;
  * a cut inside a record: exit 3, one stderr line naming the cut file and the offset of
    the damaged record ("offset B");
  * always: stdout identical to the run on the capture cut at the last complete record
    boundary B <= K (the rows of exactly the packets before the damage).
The capture is tested as it is (every offset, or every --stride'th, and always both sides
of every record boundary) and converted to pcapng (every 13th offset at least, and both
sides of every block boundary). Runs in parallel.
Standard library only.
"""
import concurrent.futures
import os
import re
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pcap_writer  # noqa: E402

TIMEOUT = 20
SANITIZER_ENV = {
    "ASAN_OPTIONS": "halt_on_error=1:exitcode=99:detect_leaks=1",
    "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1:exitcode=99",
}


def run(binary, path):
    env = dict(os.environ, **SANITIZER_ENV)
    try:
        done = subprocess.run([binary, "--format", "csv", "-r", path], capture_output=True,
                              timeout=TIMEOUT, env=env, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return None, b"", b"timeout"
    return done.returncode, done.stdout, done.stderr


def boundaries_of(data):
    """(header_end, sorted record boundaries >= header_end) of a pcap or pcapng file."""
    if data[:4] == b"\x0a\x0d\x0d\x0a":
        blocks = pcap_writer.pcapng_blocks(data)
        # The first block (section header) is the "file header": without it nothing is read.
        header_end = blocks[0][1]
        return header_end, [header_end] + [off + size for off, size, _ in blocks[1:]]
    header_end, records, _, _ = pcap_writer.pcap_records(data)
    return header_end, [header_end] + [off + size for off, size, _, _ in records]


def check_capture(binary, data, label, workdir, stride):
    header_end, boundaries = boundaries_of(data)
    if boundaries[-1] != len(data):
        return [f"{label}: cannot parse the capture itself (ends at {boundaries[-1]} of {len(data)})"]
    failures = []

    def cut_path(k):
        return os.path.join(workdir, f"{label}.cut{k}")

    offsets = sorted(set(range(0, len(data) + 1, stride)) | set(boundaries)
                     | {b + 1 for b in boundaries if b < len(data)}
                     | {b - 1 for b in boundaries if b > 0})
    for k in offsets:
        with open(cut_path(k), "wb") as f:
            f.write(data[:k])

    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = dict(zip(offsets, pool.map(lambda k: run(binary, cut_path(k)), offsets)))

    # The reference for a boundary cut is itself; every boundary must read cleanly.
    reference = {}
    for b in boundaries:
        rc, out, err = results[b]
        reference[b] = out
        if b > header_end or b == header_end:
            if rc != 0 or err:
                failures.append(f"{label}: cut at record boundary {b}: exit {rc}, stderr {err[:300]!r}")
    for k in offsets:
        rc, out, err = results[k]
        where = f"{label}: cut at {k} of {len(data)}"
        if rc is None:
            failures.append(f"{where}: timed out")
            continue
        if rc == 99 or rc < 0 or rc not in (0, 3):
            failures.append(f"{where}: exit {rc}: {err.decode(errors='replace')[-800:]}")
            continue
        text = err.decode(errors="replace")
        lines = text.splitlines()
        if k < header_end:
            rows = out.decode(errors="replace").splitlines()[1:]
            if rc != 3 or len(lines) != 1 or not lines[0].startswith("tcpstate: " + cut_path(k) + ":"):
                failures.append(f"{where} (file header): exit {rc}, stderr {text!r}")
            if rows:
                failures.append(f"{where} (file header): rows {rows!r}")
            continue
        last = max(b for b in boundaries if b <= k)
        if k == last:
            continue  # checked above
        expected_line = re.compile(r"^tcpstate: " + re.escape(cut_path(k)) + r": offset "
                                   + str(last) + r": .*truncated")
        if rc != 3 or len(lines) != 1 or not expected_line.match(lines[0]):
            failures.append(f"{where} (inside the record at {last}): exit {rc}, stderr {text!r}")
        if out != reference[last]:
            failures.append(f"{where}: rows differ from the cut at {last}:\n"
                            f"  got      {out.decode(errors='replace')!r}\n"
                            f"  expected {reference[last].decode(errors='replace')!r}")
    print(f"{label}: {len(offsets)} cuts, {len(boundaries)} boundaries, "
          f"{len(failures)} failures")
    return failures


def main():
    args = sys.argv[1:]
    stride = 1
    if "--stride" in args:
        i = args.index("--stride")
        stride = int(args[i + 1])
        del args[i:i + 2]
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    binary, capture = args
    with open(capture, "rb") as f:
        data = f.read()
    failures = []
    with tempfile.TemporaryDirectory(prefix="tcpstate-trunc.") as workdir:
        failures += check_capture(binary, data, "pcap", workdir, stride)
        if data[:4] != b"\x0a\x0d\x0d\x0a":
            packets, link = pcap_writer.read_pcap_packets(data)
            ng = pcap_writer.pcapng_file([(ts, 0, frame) for ts, frame in packets], [link])
            # The same packets as pcapng; every few offsets (and both sides of every block
            # boundary) keeps the test well under a minute under ASan.
            failures += check_capture(binary, ng, "pcapng", workdir, max(stride, 13))
    for failure in failures[:50]:
        print("FAIL " + failure)
    if len(failures) > 50:
        print(f"... and {len(failures) - 50} more")
    print("truncation: " + ("ok" if not failures else f"{len(failures)} failures"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
