"""A crowd against a running `thaidraw serve --models smoke`: no 5xx, limits exact, /healthz fast.

For each database it starts `thaidraw serve --models smoke` on a free port, with a data folder of
its own (PostgreSQL: a schema of its own in the server of --postgres-url or
THAIDRAW_TEST_POSTGRES_URL), draws a few small pictures to vote on, then one long job that holds
the generator (so no job leaves the line or finishes during the load, and what the limits allow
is exact), then, all at once, from one thread per client (`http.client`):

  300 draws from 30 clients, 10 each: 25 keep their visitor cookie, each from an address of its
      own; 5 drop their cookie (a new visitor every time) and share one address;
  200 votes: 6 voters with cookies and addresses of their own, 25 votes each, and 50 votes
      without a cookie from one address;

while one more thread asks `/healthz` every 50 ms. The clients reach the bot through loopback,
its default trusted proxy, and name their address in X-Forwarded-For, as Caddy does.

    python benchmarks/crowd.py [--database sqlite,postgres] [--postgres-url URL]

Targets: no 5xx, accepted exactly what the limits allow, /healthz p99 under 0.5 s on 2 cores.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

from generator.weights.smoke import ensure_smoke_models
from storage.database import scratch_schema

# The limits the bot runs with here (THAIDRAW_…); votes per visitor are fixed at 20 a minute.
LIMITS = {
    "THAIDRAW_MAX_QUEUE": 50,
    "THAIDRAW_MAX_JOBS_PER_USER": 2,
    "THAIDRAW_MAX_JOBS_PER_MINUTE": 5,
    "THAIDRAW_ADDRESS_DRAWS_PER_MINUTE": 10,
    "THAIDRAW_ADDRESS_VOTES_PER_MINUTE": 30,
}
VOTES_PER_VISITOR = 20  # bot/web/context.py VOTES_PER_MINUTE
VISITORS, COOKIELESS, DRAWS_EACH = 25, 5, 10
VOTERS, VOTES_EACH, COOKIELESS_VOTES = 6, 25, 50
SMALL = "คฤหาสน์ --steps 2 --size 64"
LONG = "บล็อก --steps 10000 --size 256"  # outlasts the load on any machine
HEALTH_PERIOD = 0.05
START_TIMEOUT = 120.0


@dataclass
class Client:
    """One browser: its address (X-Forwarded-For) and, if it keeps one, its visitor cookie."""

    port: int
    address: str
    keeps_cookie: bool = True
    cookie: str = ""

    def call(self, method: str, path: str, body: Any = None, **headers: str) -> tuple[int, Any]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"X-Forwarded-For": self.address, **headers}
        if self.cookie:
            headers["Cookie"] = self.cookie
        data = None if body is None else json.dumps(body).encode()
        if data is not None:
            headers["Content-Type"] = "application/json"
        try:
            connection.request(method, path, data, headers)
            response = connection.getresponse()
            payload = response.read()
            if self.keeps_cookie and not self.cookie:
                jar = SimpleCookie(response.getheader("Set-Cookie") or "")
                if "thaidraw_visitor" in jar:
                    self.cookie = f"thaidraw_visitor={jar['thaidraw_visitor'].value}"
        finally:
            connection.close()
        is_json = (response.getheader("Content-Type") or "").startswith("application/json")
        return response.status, json.loads(payload) if is_json else payload

    def draw(self, text: str) -> tuple[int, Any]:
        key = secrets.token_hex(16)
        return self.call("POST", "/api/draw", {"text": text}, **{"Idempotency-Key": key})


@dataclass
class Tally:
    statuses: Counter[str] = field(default_factory=Counter)
    accepted: Counter[str] = field(default_factory=Counter)  # per client
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, client: str, status: int) -> None:
        with self.lock:
            self.statuses[f"{kind} {status}"] += 1
            if status in (200, 202):
                self.accepted[f"{kind} {client}"] += 1

    def total(self, prefix: str) -> int:
        """Accepted answers of the clients whose key starts with `prefix` ("draw", "draw v")."""
        return sum(n for key, n in self.accepted.items() if key.startswith(prefix))

    def most(self, prefix: str) -> int:
        return max((n for key, n in self.accepted.items() if key.startswith(prefix)), default=0)

    def server_errors(self) -> int:
        return sum(n for key, n in self.statuses.items() if int(key.split()[-1]) >= 500)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_bot(folder: Path, database_url: str | None) -> Iterator[int]:
    """`thaidraw serve --models smoke` until the block ends; yields its port once it is healthy."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("THAIDRAW_", "DATABASE_"))}
    env.update({name: str(value) for name, value in LIMITS.items()})
    env.update(
        THAIDRAW_DATA_DIR=str(folder / "data"),
        THAIDRAW_WEIGHTS_DIR=str(ensure_smoke_models(folder / "weights").root.parent),
        THAIDRAW_DEVICE="cpu",
        THAIDRAW_MAX_STEPS="10000",
        THAIDRAW_PROGRESS_EVERY="1000",
        THAIDRAW_LOG_FORMAT="json",
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    log = (folder / "serve.log").open("wb")
    command = [sys.executable, "-m", "bot.cli", "serve", "--models", "smoke", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not healthy(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"thaidraw serve did not start; see {folder / 'serve.log'}")
            time.sleep(0.2)
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(90)
        log.close()


def healthy(port: int) -> bool:
    try:
        return Client(port, "127.0.0.1").call("GET", "/healthz")[0] == 200
    except OSError:
        return False


def wait_until(client: Client, job_id: str, states: set[str]) -> None:
    while client.call("GET", f"/api/jobs/{job_id}")[1]["job"]["status"] not in states:
        time.sleep(0.2)


def prepare(port: int) -> tuple[list[str], Client, str]:
    """Three finished pictures to vote on, and the long job that holds the generator."""
    pictures = []
    for index in range(3):
        painter = Client(port, f"10.200.0.{index + 1}")
        status, answer = painter.draw(SMALL)
        assert status == 202, answer
        pictures.append(answer["job"]["id"])
    for job_id in pictures:
        wait_until(Client(port, "10.200.0.9"), job_id, {"done"})
    holder = Client(port, "10.200.1.1")
    status, answer = holder.draw(LONG)
    assert status == 202, answer
    wait_until(holder, answer["job"]["id"], {"running"})
    return pictures, holder, answer["job"]["id"]


@dataclass
class LoadResult:
    database: str
    tally: Tally
    latencies: list[float]  # of the /healthz probes, in seconds
    health: list[int]  # their statuses
    seconds: float


def load(database: str, port: int, pictures: list[str]) -> LoadResult:
    """Every draw, vote and health probe at once."""
    tally = Tally()
    done = threading.Event()

    def drawer(client: Client, name: str) -> None:
        if client.keeps_cookie:
            client.call("GET", "/")  # the page sets the visitor cookie, as in a browser
        for _ in range(DRAWS_EACH):
            tally.add("draw", name, client.draw(SMALL)[0])

    def voter(client: Client, name: str, count: int) -> None:
        if client.keeps_cookie:
            client.call("GET", "/")
        for index in range(count):
            job_id = pictures[index % len(pictures)]
            vote = {"vote": "up" if index % 2 else "down"}
            tally.add("vote", name, client.call("POST", f"/api/jobs/{job_id}/feedback", vote)[0])

    def cookieless_voter() -> None:
        for index in range(COOKIELESS_VOTES):
            client = Client(port, "10.3.0.1", keeps_cookie=False)
            job_id = pictures[index % len(pictures)]
            status = client.call("POST", f"/api/jobs/{job_id}/feedback", {"vote": "up"})[0]
            tally.add("vote", "cookieless", status)

    latencies: list[float] = []
    health_statuses: list[int] = []

    def prober() -> None:
        client = Client(port, "127.0.0.1")
        while not done.is_set():
            start = time.perf_counter()
            health_statuses.append(client.call("GET", "/healthz")[0])
            latencies.append(time.perf_counter() - start)
            time.sleep(HEALTH_PERIOD)

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=VISITORS + COOKIELESS + VOTERS + 2) as pool:
        health = pool.submit(prober)
        tasks = [
            pool.submit(drawer, Client(port, f"10.1.0.{n + 1}"), f"v{n}") for n in range(VISITORS)
        ]
        tasks += [
            pool.submit(drawer, Client(port, "10.2.0.1", keeps_cookie=False), f"cookieless{n}")
            for n in range(COOKIELESS)
        ]
        tasks += [
            pool.submit(voter, Client(port, f"10.4.0.{n + 1}"), f"voter{n}", VOTES_EACH)
            for n in range(VOTERS)
        ]
        tasks.append(pool.submit(cookieless_voter))
        for task in tasks:
            task.result()
        duration = time.perf_counter() - start
        done.set()
        health.result()
    return LoadResult(database, tally, latencies, health_statuses, duration)


def report(result: LoadResult, waiting: int) -> bool:
    """Print the figures; True when there was no 5xx and every limit held exactly."""
    tally, per_user = result.tally, LIMITS["THAIDRAW_MAX_JOBS_PER_USER"]
    address_draws = min(COOKIELESS * DRAWS_EACH, LIMITS["THAIDRAW_ADDRESS_DRAWS_PER_MINUTE"])
    allowed_draws = min(VISITORS * per_user + address_draws, LIMITS["THAIDRAW_MAX_QUEUE"])
    address_votes = min(COOKIELESS_VOTES, LIMITS["THAIDRAW_ADDRESS_VOTES_PER_MINUTE"])
    allowed_votes = VOTERS * min(VOTES_EACH, VOTES_PER_VISITOR) + address_votes
    cookieless = tally.total("draw") - tally.total("draw v")
    latencies = sorted(result.latencies)
    p99 = latencies[round(0.99 * (len(latencies) - 1))]
    exact = (
        tally.total("draw") == allowed_draws == waiting
        and tally.total("vote") == allowed_votes
        and tally.most("draw v") <= per_user
        and cookieless <= address_draws
        and result.seconds < 60  # the per-minute windows held for the whole load
    )
    rows = [
        ("5xx answers", f"{tally.server_errors()}"),
        (
            "draws accepted / limits allow",
            f"{tally.total('draw')} / {allowed_draws}  (queue cap "
            f"{LIMITS['THAIDRAW_MAX_QUEUE']} of {VISITORS} visitors × {per_user} active + "
            f"{address_draws} from the cookie-less address; waiting now {waiting})",
        ),
        ("most by one visitor / limit", f"{tally.most('draw v')} / {per_user}"),
        ("cookie-less address / limit", f"{cookieless} / {address_draws}"),
        (
            "votes accepted / limits allow",
            f"{tally.total('vote')} / {allowed_votes}  ({VOTERS} voters × {VOTES_PER_VISITOR} "
            f"+ {address_votes} from the cookie-less address)",
        ),
        (
            "/healthz p50 / p99 / max",
            f"{statistics.median(latencies):.3f} / {p99:.3f} / {latencies[-1]:.3f} s  "
            f"({len(latencies)} probes, statuses {dict(Counter(result.health))})",
        ),
    ]
    print(
        f"{result.database}: {VISITORS + COOKIELESS} clients × {DRAWS_EACH} draws + "
        f"{VOTERS * VOTES_EACH + COOKIELESS_VOTES} votes in {result.seconds:.1f} s"
    )
    passed = exact and tally.server_errors() == 0
    rows.append(("answers", ", ".join(f"{k}: {n}" for k, n in sorted(tally.statuses.items()))))
    rows.append(("limits exact, no 5xx", "yes" if passed else "NO"))
    for name, value in rows:
        print(f"  {name:<31} {value}")
    return passed


def run(database: str, postgres_url: str | None) -> bool:
    if database == "postgres" and postgres_url:
        schema = scratch_schema(postgres_url, prefix="thaidraw_crowd")
    else:
        schema = nullcontext()
    with (
        tempfile.TemporaryDirectory(prefix="thaidraw-crowd-") as folder,
        schema as url,
        running_bot(Path(folder), url) as port,
    ):
        pictures, holder, long_job = prepare(port)
        result = load(database, port, pictures)
        waiting = Client(port, "127.0.0.1").call("GET", "/healthz")[1]["queue"]["waiting"]
        holder.call("POST", f"/api/jobs/{long_job}/cancel", {})
        return report(result, waiting)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default="sqlite,postgres")
    parser.add_argument("--postgres-url", default=os.environ.get("THAIDRAW_TEST_POSTGRES_URL"))
    options = parser.parse_args()
    ok = True
    for database in options.database.split(","):
        if database == "postgres" and not options.postgres_url:
            print("postgres: skipped (no --postgres-url, no THAIDRAW_TEST_POSTGRES_URL)")
            continue
        ok = run(database, options.postgres_url) and ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
