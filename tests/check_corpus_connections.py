#!/usr/bin/env python3
"""Regression guard: corpus captures that yield TCP connections keep yielding them.

    check_corpus_connections.py TCPSTATE CORPUS_DIR LIST

LIST (testdata/corpus/tcpdump-tcp-connections.tsv, written by scripts/audit-corpus-tcp
--guard) names captures of CORPUS_DIR and how many connections (--format csv rows) tcpstate
yielded from each when the list was written. Every capture must still yield at least that
many; more is fine (a new decoder can only add connections). A listed capture missing from
CORPUS_DIR fails too, since the list would then guard nothing for it.
Exits 1 on any shortfall, 2 on a usage error.
"""
import subprocess
import sys
from pathlib import Path


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__.split("\n\n")[1])
    tcpstate, corpus, listing = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    failures = 0
    checked = 0
    for line in listing.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, expected = line.split("\t")
        capture = corpus / name
        if not capture.is_file():
            print(f"FAIL {name}: not in {corpus}")
            failures += 1
            continue
        # Deliberately malformed captures may end with an input error (exit 3); the rows
        # before it still count.
        done = subprocess.run([tcpstate, "-r", str(capture), "--format", "csv"],
                              stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
        rows = max(0, len(done.stdout.decode("utf-8", "replace").splitlines()) - 1)
        if done.returncode not in (0, 3) or rows < int(expected):
            print(f"FAIL {name}: {rows} connections (at least {expected} expected), "
                  f"exit {done.returncode}")
            failures += 1
        checked += 1
    print(f"{checked} captures checked, {failures} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
