"""Send benchmark: one edition to N recipients, next to raw smtplib and today's code, in one run.

    .venv/bin/python bench/send.py                       # 2,000 recipients
    .venv/bin/python bench/send.py --recipients 500 --repeat 1

Every figure is a whole process, timed from start to exit, against one SMTP
server (aiosmtpd on 127.0.0.1, accepting everything) running in a process of
its own, so that it does not share the sender's interpreter:

- floor: raw ``smtplib``, one connection, ``sendmail`` of one prepared
  message (the seeds edition's ``.eml``, as briefing's dry run writes it) to
  each recipient in turn: no ledger, no per-recipient headers;
- briefing: ``briefing send`` of the seeds edition (fresh SQLite store,
  ``BRIEFING_SECRET_KEY`` set, so every copy has its own unsubscribe token);
- briefing with ``smtp.connections = --connections`` (default 4) SMTP sessions at once;
- today's code: the same command from commit ``a2d3cff`` (``bench/baseline.py``);
- the marginal cost of the other N - 1 recipients: the floor and ``briefing send``
  run again for one recipient, and the difference taken: what the delivery loop
  costs beside smtplib's, without the fixed start-up and the edition's build.

The load average (``os.getloadavg``) is printed before and after: on a shared machine
the ratios move with it.

Each is the best of ``--repeat`` runs, taken in rounds (every command once a round, so
that a machine whose speed drifts slows them alike); the server's count is checked after each.
"""

from __future__ import annotations

import argparse
import os
import shutil
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from baseline import ROOT, baseline_tree, env_for

SECRET = "bench-secret-0123456789abcdef0123456789"


def serve(port: int) -> None:
    """The SMTP server process: prints "ready", then answers each stdin line with the count so far."""
    from aiosmtpd.controller import Controller

    class Count:
        received = 0

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            Count.received += len(envelope.rcpt_tos)
            return "250 OK"

    controller = Controller(Count(), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    for _ in sys.stdin:
        print(Count.received, flush=True)
        Count.received = 0
    controller.stop()


def raw(port: int, count: int, eml: Path) -> None:
    """The floor: one connection, one prepared message, ``count`` recipients."""
    data = eml.read_bytes()
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as connection:
        for index in range(count):
            connection.sendmail("briefing@example.org", [f"reader{index:05d}@example.org"], data)


def write_project(folder: Path, port: int, count: int, connections: int = 1, name: str = "briefing.toml") -> Path:
    if not (folder / "seeds").exists():
        shutil.copytree(ROOT / "seeds", folder / "seeds")
    recipients = ", ".join(f'"reader{i:05d}@example.org"' for i in range(count))
    config = folder / name
    config.write_text(
        f'[sources]\nfolders = ["seeds"]\n[store]\npath = "var/briefing.db"\n[output]\ndir = "out"\n'
        f'[email]\nrecipients = [{recipients}]\n[smtp]\nhost = "127.0.0.1"\nport = {port}\nconnections = {connections}\n'
        '[briefing]\nsend_empty = true\n', encoding="utf-8")
    return config


def timed(command: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--connections", type=int, default=4, help="smtp.connections of the extra run")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--raw", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(args.serve)
    if args.raw:
        return raw(int(args.raw[0]), int(args.raw[1]), Path(args.raw[2]))
    port = free_port()
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None and server.stdin is not None
    if server.stdout.readline().strip() != "ready":
        sys.exit("the SMTP server did not start")

    def received() -> int:
        server.stdin.write("count\n")  # type: ignore[union-attr]
        server.stdin.flush()  # type: ignore[union-attr]
        return int(server.stdout.readline())  # type: ignore[union-attr]

    n = args.recipients
    load_before = os.getloadavg()
    results: dict[str, float] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="briefing-bench-") as folder, baseline_tree() as old:
            work = Path(folder)
            config = write_project(work, port, n)
            several = write_project(work, port, n, args.connections, "several.toml")
            old_config = write_project(work, port, n, 1, "old.toml").read_text(encoding="utf-8")
            (work / "old.toml").write_text(old_config.replace("connections = 1\n", ""), encoding="utf-8")
            env = env_for(None) | {"BRIEFING_SECRET_KEY": SECRET}
            timed([sys.executable, "-m", "briefing", "-q", "--config", str(config), "send", "--dry-run"], env, work)
            eml = next((work / "out" / "outbox").rglob("*.eml"))
            received()
            runs = {
                "raw smtplib, one connection (floor)": ([sys.executable, __file__, "--raw", str(port), str(n), str(eml)],
                                                        env),
                "briefing send": ([sys.executable, "-m", "briefing", "-q", "--config", str(config), "send"], env),
                f"briefing send, {args.connections} connections": (
                    [sys.executable, "-m", "briefing", "-q", "--config", str(several), "send"], env),
                "briefing send, today's code (a2d3cff)": (
                    [sys.executable, "-m", "briefing", "-q", "--config", str(work / "old.toml"), "send"],
                    env_for(old) | {"BRIEFING_SECRET_KEY": SECRET}),
            }
            one = write_project(work, port, 1, name="one.toml")
            runs |= {
                "floor, one recipient": ([sys.executable, __file__, "--raw", str(port), "1", str(eml)], env),
                "briefing send, one recipient": (
                    [sys.executable, "-m", "briefing", "-q", "--config", str(one), "send"], env),
            }
            expected = {label: 1 for label in runs if label.endswith("one recipient")}
            for _ in range(args.repeat):  # each round runs every side once: drift slows them alike
                for label, (command, run_env) in runs.items():
                    shutil.rmtree(work / "var", ignore_errors=True)
                    seconds = timed(command, run_env, work)
                    if (got := received()) != expected.get(label, n):
                        sys.exit(f"{label}: the server received {got} messages for {expected.get(label, n)} recipients")
                    results[label] = min(results.get(label, float("inf")), seconds)
    finally:
        server.stdin.close()
        server.wait(timeout=10)
    report(n, results)
    print(f"  load average (1, 5, 15 min) before: {' '.join(f'{x:.2f}' for x in load_before)}, "
          f"after: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")


def report(n: int, results: dict[str, float]) -> None:
    floor = results["raw smtplib, one connection (floor)"]
    print(f"send of the seeds edition to {n:,} recipients (whole processes, best of runs):")
    print(f"  {'':<40} {'seconds':>8} {'msg/s':>8} {'vs floor':>9}")
    for label, seconds in results.items():
        if not label.endswith("one recipient"):
            print(f"  {label:<40} {seconds:>8.2f} {n / seconds:>8.0f} {seconds / floor:>8.2f}x")
    fixed, floor_fixed = results["briefing send, one recipient"], results["floor, one recipient"]
    loop, floor_loop = results["briefing send"] - fixed, floor - floor_fixed
    print(f"  fixed cost (one recipient): briefing {fixed:.2f} s (start-up, store, ingest, build, render), "
          f"floor {floor_fixed:.2f} s")
    print(f"  the other {n - 1:,} recipients: briefing {loop:.2f} s, floor {floor_loop:.2f} s: "
          f"{loop / floor_loop:.2f}x ({loop / (n - 1) * 1000:.2f} vs {floor_loop / (n - 1) * 1000:.2f} ms a message)")
    now, before = results["briefing send"], results["briefing send, today's code (a2d3cff)"]
    print(f"  briefing is {before / now:.2f}x faster than today's code")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


if __name__ == "__main__":
    main()
