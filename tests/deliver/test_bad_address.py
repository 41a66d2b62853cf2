"""Issue 13, item 1: one address the mail cannot carry never stops the others.

``pаypal@example.org`` has a Cyrillic "а" in its local part: plain SMTP cannot
carry it and the email package refuses to write it (``NonASCIILocalPartDefect``).
It is refused wherever an address enters, and one that got into the store
anyway (an older briefing let it in) fails alone while the rest are mailed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from briefing import pipeline, subscribers
from briefing.cli import cli
from briefing.clock import FixedClock
from briefing.errors import ConfigError, SubscriberError
from briefing.settings import load_settings
from briefing.store import Store, Subscriber
from tests.conftest import FIXED_NOW, ConfigMaker, store_rows
from tests.deliver.conftest import READERS, SettingsMaker, SmtpServer

LOOKALIKE = "p\u0430ypal@example.org"  # Cyrillic "а"


def test_settings_refuse_a_non_ascii_mailbox_naming_the_key(make_config: ConfigMaker) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(make_config(email={"recipients": ["reader@example.org", LOOKALIKE]}), env={})
    assert "email.recipients" in str(caught.value) and "before the @-sign" in str(caught.value)


def test_recipients_file_cli_add_and_csv_import_refuse_it_the_same_way(make_config: ConfigMaker, tmp_path: Path) -> None:
    (tmp_path / "people.txt").write_text(f"ok@example.org\n{LOOKALIKE}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="people.txt, line 2"):
        load_settings(make_config(email={"recipients_file": "people.txt"}), env={})
    config = make_config()
    runner = CliRunner()
    added = runner.invoke(cli, ["--config", str(config), "subscribers", "add", LOOKALIKE])
    assert added.exit_code == 2 and "before the @-sign" in added.output
    (tmp_path / "in.csv").write_text(f"email\nfine@example.org\n{LOOKALIKE}\n", encoding="utf-8")
    imported = runner.invoke(cli, ["--config", str(config), "subscribers", "import", str(tmp_path / "in.csv")])
    assert imported.exit_code == 3 and "line 3" in imported.output
    with pytest.raises(SubscriberError):
        subscribers.normalise(LOOKALIKE)


def test_an_internationalised_domain_is_kept_in_its_ascii_form() -> None:
    assert subscribers.normalise("Reader@Bücher.example") == "Reader@xn--bcher-kva.example"


def test_a_stored_bad_address_fails_alone_and_the_rest_are_mailed(smtp_server: SmtpServer, smtp_settings: SettingsMaker,
                                                                  tmp_path: Path) -> None:
    settings = smtp_settings(smtp_server.port, recipients=READERS[:1])
    at = FIXED_NOW.isoformat()
    with Store.open_settings(settings.store) as store:  # as an older briefing stored it
        for address in (LOOKALIKE, *READERS[1:]):
            store.put_subscriber(Subscriber(address, "active", "web", at, at, confirmed_at=at))
    report = pipeline.send(settings, dry_run=False, clock=FixedClock(FIXED_NOW))
    assert smtp_server.handler.addressees() == sorted(READERS)
    (failed,) = [d for d in report.deliveries if d.status == "failed"]
    assert failed.recipient == LOOKALIKE and "no message can be written to this address" in failed.error
    rows = dict(store_rows(settings.store.path, "SELECT recipient, status FROM deliveries"))
    assert rows[LOOKALIKE] == "failed" and all(rows[r] == "sent" for r in READERS)
    assert store_rows(settings.store.path, "SELECT status FROM editions") == [("sent",)]
    again = pipeline.send(settings, dry_run=False, clock=FixedClock(FIXED_NOW))
    assert again.recipients == 0  # failed is final: the next run does not stop at it either
    config = settings.file
    removed = CliRunner().invoke(cli, ["--config", str(config), "subscribers", "remove", LOOKALIKE])
    assert removed.exit_code == 0, removed.output
