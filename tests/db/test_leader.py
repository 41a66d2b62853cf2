"""One active scheduler on SQLite too: a standby takes over when the active one dies."""

from __future__ import annotations

import signal
from datetime import UTC, datetime

from tests.conftest import ConfigMaker
from tests.db.test_concurrency import Scheduler


def test_a_standby_takes_over_from_a_killed_scheduler_on_sqlite(make_config: ConfigMaker) -> None:
    # A send time already past a week ago: nothing is due now, the two only contend for the lock.
    config = make_config(schedule={"day": "sun", "time": "23:59", "standby_seconds": 1},
                         briefing={"timezone": "Etc/GMT+12"}, store={"path": "var/briefing.db", "url": ""})
    active = Scheduler(config)
    active.wait_for("scheduler running")
    standby = Scheduler(config, "--standby")
    standby.wait_for("standing by")
    assert "scheduler running" not in "".join(standby.lines)
    active.process.send_signal(signal.SIGKILL)
    active.process.wait(timeout=30)
    started = datetime.now(UTC)
    standby.wait_for("scheduler running", timeout=30)
    assert (datetime.now(UTC) - started).total_seconds() < 10
    assert "taking over as the active scheduler" in "".join(standby.lines)
    standby.process.send_signal(signal.SIGTERM)
    assert standby.process.wait(timeout=60) == 0
