"""A small HTTP load generator: N GET requests over C threads, each with a session cookie.

Records every request's latency; returns throughput and percentiles. Runs in its own process
beside the server, so both share the machine as a real client and server would on loopback.
"""

import http.client
import statistics
import threading
import time


def run(host: str, port: int, path: str, cookie: str, requests: int, concurrency: int) -> dict:
    latencies: list[float] = []
    errors = []
    lock = threading.Lock()
    remaining = [requests]

    def worker():
        while True:
            with lock:
                if remaining[0] <= 0:
                    return
                remaining[0] -= 1
            started = time.perf_counter()
            try:
                conn = http.client.HTTPConnection(host, port, timeout=30)
                conn.request("GET", path, headers={"Cookie": cookie, "Host": "localhost"})
                response = conn.getresponse()
                response.read()
                conn.close()
                if response.status != 200:
                    errors.append(response.status)
            except OSError as exc:
                errors.append(str(exc))
            with lock:
                latencies.append(time.perf_counter() - started)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "requests": requests, "errors": len(errors), "first_error": errors[0] if errors else None,
        "rps": requests / elapsed,
        "p50": statistics.median(latencies),
        "p95": latencies[int(0.95 * (len(latencies) - 1))],
    }
