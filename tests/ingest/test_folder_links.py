"""Issue 13, item 4: a folder pass reads regular files inside the folder, nothing else.

A symbolic link to ``/etc/passwd`` (or to a folder outside) used to put that
file's content into the email, the feed and the archive.
"""

from __future__ import annotations

import os
from pathlib import Path

from briefing import pipeline
from briefing.clock import FixedClock
from briefing.ingest import collect
from briefing.settings import load_settings
from briefing.store import Store
from tests.conftest import FIXED_NOW, ConfigMaker

SECRET = "The secret ledger of the rare earth cartel says quotas will be cut by half next quarter."


def test_links_out_of_the_folder_and_special_files_are_quarantined_not_read(make_config: ConfigMaker,
                                                                            tmp_path: Path) -> None:
    settings = load_settings(make_config(), env={})
    seeds = tmp_path / "seeds"
    outside = tmp_path / "private"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET, encoding="utf-8")
    (seeds / "passwd.txt").symlink_to("/etc/passwd")
    (seeds / "secret.txt").symlink_to(outside / "secret.txt")
    (seeds / "private").symlink_to(outside, target_is_directory=True)
    (seeds / "broken.txt").symlink_to(tmp_path / "nowhere.txt")
    os.mkfifo(seeds / "pipe.txt")  # reading it would block the pass for ever
    (seeds / "sub").mkdir()
    first = sorted(seeds.glob("0*.txt"))[0]
    (seeds / "sub" / "again.txt").symlink_to(Path("..") / first.name)  # a link inside the folder is fine
    clock = FixedClock(FIXED_NOW)
    with Store.open_settings(settings.store) as store:
        report = collect(settings, store, clock, fetch_feeds=False)
        quarantined = {Path(q.origin).name: q.reason for q in report.quarantined}
        assert set(quarantined) == {"passwd.txt", "secret.txt", "private", "broken.txt", "pipe.txt"}
        assert "outside the folder" in quarantined["passwd.txt"] and "/etc/passwd" in quarantined["passwd.txt"]
        assert "not a regular file" in quarantined["pipe.txt"]
        assert "broken symbolic link" in quarantined["broken.txt"]
        assert {Path(q.origin).name for q in store.quarantined()} == set(quarantined)
        assert report.added == 5 and report.duplicates == 1  # the five seeds; sub/again.txt is one of them
        texts = " ".join(a.text for a in store.articles(store.unpublished_article_ids()))
        assert "root:" not in texts and "cartel" not in texts
        again = collect(settings, store, clock, fetch_feeds=False)
        assert again.quarantined == () and again.added == 0  # reported once, like any quarantined file
        pipeline.build(settings, store, clock, fetch_feeds=False)
    published = " ".join(p.read_text(encoding="utf-8", errors="replace")
                         for p in settings.output.dir.rglob("*") if p.is_file())
    assert "root:x:0:0" not in published and "cartel" not in published
