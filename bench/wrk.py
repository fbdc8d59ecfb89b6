"""Drive one page with wrk (Debian's C load generator): it barely uses a core, so the server
under test has the machine, unlike a Python load generator competing with it.

One thread, `connections` keep-alive connections, for `seconds`; a small Lua script prints
the median and the 95th percentile (wrk's own report gives only 50/75/90/99 with --latency).
"""

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

LUA = """
done = function(summary, latency, requests)
  io.write(string.format("P50_US %d\\nP95_US %d\\nREQUESTS %d\\nERRORS %d\\n",
    latency:percentile(50), latency:percentile(95), summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout))
end
"""


def available() -> bool:
    return shutil.which("wrk") is not None


def run(url: str, cookie: str, seconds: int, connections: int = 4) -> dict:
    """Load `url` for `seconds`; req/s, p50 and p95 (seconds), and the error count (non-2xx
    statuses included)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA)
    try:
        command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s",
                   "-s", script.name, "-H", "Host: localhost"]
        if cookie:
            command += ["-H", f"Cookie: {cookie}"]
        out = subprocess.run([*command, url], check=True, capture_output=True,
                             text=True).stdout
    finally:
        Path(script.name).unlink()
    values = dict(re.findall(r"^(P50_US|P95_US|REQUESTS|ERRORS) (\d+)$", out, re.M))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50": int(values["P50_US"]) / 1e6, "p95": int(values["P95_US"]) / 1e6,
            "requests": int(values["REQUESTS"]),
            "errors": int(values["ERRORS"]) + (int(non_2xx.group(1)) if non_2xx else 0)}
