#!/usr/bin/env python3
"""What tcpstate writes when standard output is a terminal, which the golden tests (stdout
is a pipe there) cannot see.

    check_terminal_output.py TCPSTATE --root REPO

--color auto colours the table's anomalous rows on a terminal, and not with NO_COLOR set
(an empty NO_COLOR does not count). With standard error on a terminal too, the progress
line (its delay lowered by TCPSTATE_PROGRESS_DELAY_MS) is drawn and erased again; with
standard error a pipe, nothing of it is written anywhere. Exit status 0 when every check passed, 1 otherwise.
"""
import argparse
import os
import pty
import re
import subprocess
import sys

ESC = b"\x1b["


def run_on_terminal(argv, env, cwd):
    """Runs argv with stdout on a pseudo-terminal; returns (exit status, what it wrote)."""
    status, text, _, _ = run_with_terminal(argv, env, cwd, stdout_on_tty=True,
                                           stderr_on_tty=False)
    return status, text


def run_with_terminal(argv, env, cwd, stdout_on_tty, stderr_on_tty):
    """Runs argv with stdout and/or stderr on a pseudo-terminal, the others on pipes;
    returns (exit status, what reached the terminal, stdout's pipe, stderr's pipe)."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                            stdout=follower if stdout_on_tty else subprocess.PIPE,
                            stderr=follower if stderr_on_tty else subprocess.PIPE,
                            env=env, cwd=cwd)
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
    out = b"" if stdout_on_tty else proc.stdout.read()
    err = b"" if stderr_on_tty else proc.stderr.read()
    return proc.wait(timeout=60), b"".join(chunks), out, err


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

    # The progress line: with no delay it is drawn at the first packet already.
    progress = b" packets/s"
    erase = b"\r" + ESC + b"K"
    no_delay = {"TCPSTATE_PROGRESS_DELAY_MS": "0"}
    plain = table + ["--color", "never"]

    def check_progress(name, env_extra, argv, stdout_on_tty, stderr_on_tty, want_progress):
        env = dict(base_env, **env_extra)
        status, text, out, err = run_with_terminal(argv, env, args.root, stdout_on_tty,
                                                   stderr_on_tty)
        everything = text + out + err
        drawn = text.rfind(progress)
        problem = None
        if status != 0:
            problem = f"exit {status}"
        elif want_progress and drawn < 0:
            problem = "no progress line on the terminal"
        elif want_progress and not re.search(rb" of [0-9.]+ k?B \([0-9]+%\)", text):
            problem = "the progress line has no total for a regular file"
        elif want_progress and text.find(erase, drawn) < 0:
            problem = "the progress line was not erased at the end"
        elif not want_progress and (progress in everything or erase in everything):
            problem = "a progress line where none belongs"
        if problem:
            failures.append(f"{name}: {problem}: {everything[-300:]!r}")
        else:
            print(f"ok: {name}")

    check_progress("progress on a terminal, erased at the end", no_delay, plain, True, True,
                   True)
    check_progress("progress with stdout on a pipe", no_delay, plain, False, True, True)
    check_progress("progress with two threads", no_delay, plain + ["--threads", "2"], True,
                   True, True)
    check_progress("progress stopped early by -c", no_delay, plain + ["-c", "3"], True, True,
                   True)
    check_progress("no progress with stderr on a pipe", no_delay, plain, True, False, False)
    check_progress("no progress before its delay", {}, plain, True, True, False)
    check_progress("no progress where rows stream to the terminal", no_delay,
                   plain + ["--format", "csv"], True, True, False)

    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
