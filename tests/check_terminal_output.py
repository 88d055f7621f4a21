#!/usr/bin/env python3
"""What tcpstate writes when standard output is a terminal, which the golden tests (stdout
is a pipe there) cannot see.

    check_terminal_output.py TCPSTATE --root REPO

--color auto colours the table's anomalous rows on a terminal, and not with NO_COLOR set
(an empty NO_COLOR does not count). Exit status 0 when every check passed, 1 otherwise.
"""
import argparse
import os
import pty
import subprocess
import sys

ESC = b"\x1b["


def run_on_terminal(argv, env, cwd):
    """Runs argv with stdout on a pseudo-terminal; returns (exit status, what it wrote)."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=follower,
                            stderr=subprocess.PIPE, env=env, cwd=cwd)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the child closed its end
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    proc.stderr.read()
    return proc.wait(timeout=60), b"".join(chunks)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("tcpstate")
    parser.add_argument("--root", required=True)
    args = parser.parse_args()
    base_env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS")}
    table = [args.tcpstate, "-r", "testdata/kernel/close_wait_leak.pcap",
             "--close-wait-timeout", "2", "-q"]
    failures = []

    def check(name, env_extra, argv, want_color):
        env = dict(base_env, **env_extra)
        status, text = run_on_terminal(argv, env, args.root)
        has_color = ESC in text
        if status != 0 or has_color != want_color:
            failures.append(f"{name}: exit {status}, colour {has_color}, wanted {want_color}")
        else:
            print(f"ok: {name}")

    check("auto on a terminal colours", {}, table, True)
    check("NO_COLOR=1 turns auto off", {"NO_COLOR": "1"}, table, False)
    check("an empty NO_COLOR does not", {"NO_COLOR": ""}, table, True)
    check("never on a terminal", {}, table + ["--color", "never"], False)
    check("always beats NO_COLOR", {"NO_COLOR": "1"}, table + ["--color", "always"], True)

    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
