"""Benchmark: `b2bmail send` against local aiosmtpd sinks, next to a one-connection loop.

    .venv/bin/python benchmarks/send.py                      # N = 2,000, RSS at 20,000
    .venv/bin/python benchmarks/send.py --n 300 --rss-n 0    # quick check

Measured in the same run (issue #19, item 9):
* a sink that waits 50 ms before accepting each message: the whole `b2bmail send` command
  (N DKIM-signed Ed25519 messages, plan + journal + SMTP, its configured connections) timed
  against a plain smtplib loop over one connection sending the same N pre-built .eml files
  (`build --recipients --per-recipient`). Target: send ≥ 5x the loop.
* messages a second of `b2bmail send` against a sink that accepts at once;
* DKIM signing cost per message (Ed25519 and RSA-2048), dkimpy;
* peak RSS of `b2bmail send` for --rss-n messages (sink accepting at once).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import smtplib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.send (the aiosmtpd sinks and campaign fixture)
from tests.send.conftest import (  # noqa: E402
    DKIM_DOMAIN,
    EXAMPLE,
    SECRET,
    SELECTOR,
    make_campaign,
    write_key,
)
from tests.send.sinks import Running, Sink  # noqa: E402

from b2bmail.send.signing import load_dkim_key  # noqa: E402

B2BMAIL = str(Path(sys.executable).parent / "b2bmail")
CONNECTIONS = 10


def make_csv(target: Path, n: int) -> None:
    """N unique recipients made from the example's rows (benchmarks/personalize.py)."""
    spec = importlib.util.spec_from_file_location(
        "bench_personalize", ROOT / "benchmarks" / "personalize.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.make_csv(EXAMPLE / "recipients.csv", target, n)


def send_command(campaign: Path, csv_path: Path, address: str, journal: Path) -> list[str]:
    return [
        B2BMAIL, "send", str(campaign), "--recipients", str(csv_path), "--smtp", address,
        "--journal", str(journal), "--yes", "--connections", str(CONNECTIONS),
        "--max-connections", str(CONNECTIONS), "--per-minute", "0",
    ]  # fmt: skip


def timed_send(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"send failed ({result.returncode}): {result.stderr.strip()}")
    return elapsed


def loop(files: list[Path], address: str) -> float:
    """The baseline: one smtplib connection, one sendmail per pre-built file."""
    host, port = address.split(":")
    start = time.perf_counter()
    with smtplib.SMTP(host, int(port)) as smtp:
        for path in files:
            data = path.read_bytes()
            smtp.sendmail("bounce@bounces.terrano-engins.example", ["x@example.test"], data)
    return time.perf_counter() - start


def signing_cost(files: list[Path], work: Path) -> dict[str, float]:
    costs = {}
    for kind in ("ed25519", "rsa"):
        key = load_dkim_key(write_key(work / f"{kind}.pem", kind), SELECTOR, DKIM_DOMAIN)
        sample = [p.read_bytes() for p in files[:300]]
        start = time.perf_counter()
        for data in sample:
            key.sign(data)
        costs[kind] = (time.perf_counter() - start) / len(sample) * 1000
    return costs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="messages for the timed runs")
    parser.add_argument("--rss-n", type=int, default=20_000, help="messages for peak RSS (0: skip)")
    args = parser.parse_args()
    env = {**os.environ, "B2BMAIL_UNSUBSCRIBE_SECRET": SECRET}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        key = write_key(work / "dkim.pem", "ed25519")
        campaign = make_campaign(
            work,
            f"send:\n  dkim_selector: {SELECTOR}\n  dkim_domain: {DKIM_DOMAIN}\n  dkim_key: {key}\n",
        )
        csv_path = work / "list.csv"
        make_csv(csv_path, args.n)
        subprocess.run(
            [B2BMAIL, "build", str(campaign), "--recipients", str(csv_path), "--per-recipient",
             "--out", str(work / "eml")],
            env=env, check=True, capture_output=True,
        )  # fmt: skip
        files = sorted((work / "eml").glob("*/*.eml"))
        print(f"{len(files)} messages (of {args.n} rows), Ed25519 DKIM, {CONNECTIONS} connections")

        slow = Sink(delay=0.05)
        with Running(slow) as server:
            sent = timed_send(
                send_command(campaign, csv_path, server.address, work / "j1.sqlite"), env
            )
            received = len(slow.received)
            baseline = loop(files, server.address)
        print(f"50 ms sink: b2bmail send {sent:.1f} s ({received / sent:.0f} msg/s, whole command); "
              f"smtplib loop {baseline:.1f} s ({len(files) / baseline:.0f} msg/s); "
              f"ratio {baseline / sent:.1f}x (target >= 5x)")  # fmt: skip

        fast = Sink()
        with Running(fast) as server:
            sent = timed_send(
                send_command(campaign, csv_path, server.address, work / "j2.sqlite"), env
            )
        print(f"instant sink: b2bmail send {len(fast.received) / sent:.0f} msg/s (whole command)")

        costs = signing_cost(files, work)
        print(
            f"DKIM signing per message: Ed25519 {costs['ed25519']:.2f} ms, RSA-2048 {costs['rsa']:.2f} ms"
        )

        if args.rss_n:
            big = work / "big.csv"
            make_csv(big, args.rss_n)
            rss = Sink()
            with Running(rss) as server:
                command = send_command(campaign, big, server.address, work / "j3.sqlite")
                probe = (
                    "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], "
                    "capture_output=True); print(r.returncode, "
                    "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
                )
                start = time.perf_counter()
                out = subprocess.run([sys.executable, "-c", probe, *command], env=env,
                                     capture_output=True, text=True, check=True).stdout.split()  # fmt: skip
                elapsed = time.perf_counter() - start
            print(f"{args.rss_n} recipients: {len(rss.received)} sent in {elapsed:.0f} s "
                  f"(exit {out[0]}), peak RSS {int(out[1]) / 1024:.0f} MiB")  # fmt: skip


if __name__ == "__main__":
    main()
