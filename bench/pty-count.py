#!/usr/bin/python3
# pty-count.py - runs a full-screen program on a pseudo-terminal of a given
# size for a given time, counts every byte it writes to the terminal, and
# measures its CPU (utime+stime from /proc/PID/stat) after a warm-up.
"""Usage: pty-count.py [--cols 132] [--rows 40] [--seconds 300] [--warmup 30]
                    [--relay] [--out FILE] -- COMMAND [ARG...]

Nothing is ever typed into the program. --relay copies its output to our
stdout (to show it in the tmux pane that runs us). At the end the program gets
SIGTERM (SIGKILL 5 s later) and key=value figures go to FILE (or stdout):
bytes_total seconds_total bytes_steady seconds_steady cpu_steady_s
cpu_total_s peak_steady_bps rss_kb hwm_kb exited_early."""

import argparse
import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import time

HZ = os.sysconf("SC_CLK_TCK")


def ticks(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])     # utime, stime
    except (OSError, IndexError):
        return None


def status_kb(pid, key):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main():
    ap = argparse.ArgumentParser(usage=__doc__)
    ap.add_argument("--cols", type=int, default=132)
    ap.add_argument("--rows", type=int, default=40)
    ap.add_argument("--seconds", type=float, default=300)
    ap.add_argument("--warmup", type=float, default=30)
    ap.add_argument("--relay", action="store_true")
    ap.add_argument("--out")
    ap.add_argument("command", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.command[1:] if a.command[:1] == ["--"] else a.command
    if not cmd:
        sys.exit(__doc__)

    pid, fd = pty.fork()
    if pid == 0:
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", a.rows, a.cols, 0, 0))
        try:
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)

    start = time.monotonic()
    warm_at, end_at = start + a.warmup, start + a.seconds
    total = steady = 0
    t0 = None
    t_end = ticks(pid)
    per_second = {}
    exited = False
    while True:
        now = time.monotonic()
        if t0 is None and now >= warm_at:
            t0 = ticks(pid)
            warm_at = now
        if now >= end_at:
            break
        r, _, _ = select.select([fd], [], [], min(end_at, warm_at if t0 is None else end_at) - now)
        if not r:
            continue
        try:
            data = os.read(fd, 65536)
        except OSError:              # EIO: the program closed the terminal (exited)
            data = b""
        if not data:
            exited = True
            break
        total += len(data)
        if t0 is not None:
            steady += len(data)
            sec = int(now - start)
            per_second[sec] = per_second.get(sec, 0) + len(data)
        if a.relay:
            os.write(1, data)
    t_end = ticks(pid)
    end = time.monotonic()
    rss, hwm = status_kb(pid, "VmRSS"), status_kb(pid, "VmHWM")

    if not exited:
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 5
    while True:                      # drain until the program is gone
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            break
        if select.select([fd], [], [], 0.1)[0]:
            try:
                os.read(fd, 65536)   # its farewell (endwin) is not counted
            except OSError:
                pass

    if t0 is None:
        t0 = t_end
    out = {
        "bytes_total": total,
        "seconds_total": "%.1f" % (end - start),
        "bytes_steady": steady,
        "seconds_steady": "%.1f" % max(end - warm_at, 0),
        "cpu_steady_s": "%.2f" % (((t_end or 0) - (t0 or 0)) / HZ),
        "cpu_total_s": "%.2f" % ((t_end or 0) / HZ),
        "peak_steady_bps": max(per_second.values(), default=0),
        "rss_kb": rss,
        "hwm_kb": hwm,
        "exited_early": int(exited),
    }
    text = "".join("%s=%s\n" % kv for kv in out.items())
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
