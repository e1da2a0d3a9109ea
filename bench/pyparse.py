#!/usr/bin/python3
# pyparse.py - peer of bench/prom-parse: parses a Prometheus text file with the
# parser of python3-prometheus-client, touching every sample, name, label and
# value, and prints the same last line: samples=N bytes=N mbps=X.
"""Usage: /usr/bin/python3 pyparse.py FILE [MIN_SECONDS]

Reads FILE into memory, then parses it repeatedly (at least twice and until
MIN_SECONDS, default 1, of CPU time have passed) and reports the best run,
timed with the process CPU clock (MB = 10^6 bytes)."""

import sys
import time

from prometheus_client.parser import text_string_to_metric_families


def parse_once(text):
    samples = 0
    label_bytes = 0
    total = 0.0
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            samples += 1
            label_bytes += len(s.name)
            for k, v in s.labels.items():
                label_bytes += len(k) + len(v)
            if s.value == s.value and abs(s.value) != float("inf"):
                total += s.value
    return samples, label_bytes, total


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    path = sys.argv[1]
    min_s = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
    with open(path, "rb") as f:
        raw = f.read()
    text = raw.decode("utf-8")
    times = []
    start = time.process_time()
    while len(times) < 2 or time.process_time() - start < min_s:
        t0 = time.process_time()
        result = parse_once(text)
        times.append(time.process_time() - t0)
    best = min(times)
    print("runs=%d best=%.3fms" % (len(times), best * 1e3))
    print("samples=%d bytes=%d mbps=%.2f" % (result[0], len(raw), len(raw) / best / 1e6))


if __name__ == "__main__":
    main()
