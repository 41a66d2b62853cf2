-- revision 0008
-- What the revisions leave in a new SQLite store (briefing.db.migrate). Written by
-- python -m briefing.db.migrate --write-head-sql; do not edit.
CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
)

CREATE TABLE article_bands (
	"key" BIGINT NOT NULL, 
	article_id TEXT NOT NULL, 
	FOREIGN KEY(article_id) REFERENCES articles (id)
)

CREATE TABLE article_sources (
	article_id TEXT NOT NULL, 
	source TEXT NOT NULL, 
	origin TEXT NOT NULL, 
	url TEXT DEFAULT '' NOT NULL, 
	canonical_url TEXT DEFAULT '' NOT NULL, 
	guid TEXT DEFAULT '' NOT NULL, 
	matched_by TEXT NOT NULL, 
	seen_at TEXT NOT NULL, 
	PRIMARY KEY (source, origin), 
	FOREIGN KEY(article_id) REFERENCES articles (id)
)

CREATE TABLE "articles" (
	id TEXT NOT NULL, 
	source TEXT NOT NULL, 
	origin TEXT NOT NULL, 
	url TEXT DEFAULT ('') NOT NULL, 
	canonical_url TEXT DEFAULT ('') NOT NULL, 
	guid TEXT DEFAULT ('') NOT NULL, 
	title TEXT NOT NULL, 
	text TEXT NOT NULL, 
	published TEXT, 
	ingested TEXT NOT NULL, 
	text_hash TEXT DEFAULT ('') NOT NULL, 
	version INTEGER DEFAULT '1' NOT NULL, 
	PRIMARY KEY (id)
)

CREATE TABLE deliveries (
	edition TEXT NOT NULL, 
	recipient TEXT NOT NULL, 
	message_id TEXT NOT NULL, 
	status TEXT NOT NULL, 
	attempts INTEGER DEFAULT '0' NOT NULL, 
	last_error TEXT DEFAULT '' NOT NULL, 
	updated_at TEXT NOT NULL, 
	UNIQUE (edition, recipient), 
	FOREIGN KEY(edition) REFERENCES editions ("key")
)

CREATE TABLE edition_articles (
	edition TEXT NOT NULL, 
	article_id TEXT NOT NULL, 
	PRIMARY KEY (edition, article_id), 
	FOREIGN KEY(edition) REFERENCES editions ("key"), 
	FOREIGN KEY(article_id) REFERENCES articles (id)
)

CREATE TABLE editions (
	"key" TEXT NOT NULL, 
	status TEXT NOT NULL, 
	created_at TEXT NOT NULL, 
	sent_at TEXT DEFAULT '' NOT NULL, 
	content TEXT DEFAULT '' NOT NULL, 
	PRIMARY KEY ("key")
)

CREATE TABLE files (
	path TEXT NOT NULL, 
	size BIGINT NOT NULL, 
	mtime_ns BIGINT NOT NULL, 
	article_id TEXT DEFAULT '' NOT NULL, 
	PRIMARY KEY (path)
)

CREATE TABLE llm_cache (
	content_hash TEXT NOT NULL, 
	model TEXT NOT NULL, 
	prompt_version TEXT NOT NULL, 
	answer TEXT NOT NULL, 
	prompt_tokens INTEGER DEFAULT '0' NOT NULL, 
	completion_tokens INTEGER DEFAULT '0' NOT NULL, 
	created_at TEXT NOT NULL, 
	PRIMARY KEY (content_hash, model, prompt_version)
)

CREATE TABLE pages (
	url TEXT NOT NULL, 
	source TEXT DEFAULT '' NOT NULL, 
	origin TEXT DEFAULT '' NOT NULL, 
	article_id TEXT DEFAULT '' NOT NULL, 
	document TEXT DEFAULT '' NOT NULL, 
	teaser_hash TEXT DEFAULT '' NOT NULL, 
	status TEXT DEFAULT '' NOT NULL, 
	reason TEXT DEFAULT '' NOT NULL, 
	text TEXT DEFAULT '' NOT NULL, 
	queued_at TEXT DEFAULT '' NOT NULL, 
	updated_at TEXT DEFAULT '' NOT NULL, 
	attempts INTEGER DEFAULT '0' NOT NULL, 
	PRIMARY KEY (url)
)

CREATE TABLE quarantine (
	origin TEXT NOT NULL, 
	source TEXT NOT NULL, 
	reason TEXT NOT NULL, 
	at TEXT NOT NULL, 
	PRIMARY KEY (origin)
)

CREATE TABLE send_claims (
	edition TEXT NOT NULL, 
	recipient TEXT NOT NULL, 
	PRIMARY KEY (edition, recipient)
)

CREATE TABLE sources (
	name TEXT NOT NULL, 
	kind TEXT NOT NULL, 
	url TEXT DEFAULT '' NOT NULL, 
	etag TEXT DEFAULT '' NOT NULL, 
	last_modified TEXT DEFAULT '' NOT NULL, 
	last_ok_at TEXT DEFAULT '' NOT NULL, 
	last_error TEXT DEFAULT '' NOT NULL, 
	last_error_at TEXT DEFAULT '' NOT NULL, 
	failures INTEGER DEFAULT '0' NOT NULL, 
	disabled INTEGER DEFAULT '0' NOT NULL, configured_url TEXT DEFAULT '' NOT NULL, 
	PRIMARY KEY (name)
)

CREATE TABLE subscribers (
	"key" TEXT NOT NULL, 
	address TEXT NOT NULL, 
	status TEXT NOT NULL, 
	source TEXT NOT NULL, 
	created_at TEXT NOT NULL, 
	updated_at TEXT NOT NULL, 
	confirmed_at TEXT DEFAULT '' NOT NULL, 
	unsubscribed_at TEXT DEFAULT '' NOT NULL, 
	nonce TEXT DEFAULT '' NOT NULL, 
	confirm_sent_at TEXT DEFAULT '' NOT NULL, 
	PRIMARY KEY ("key")
)

CREATE INDEX article_bands_article ON article_bands (article_id)

CREATE INDEX article_bands_key ON article_bands ("key")

CREATE INDEX article_sources_article ON article_sources (article_id)

CREATE INDEX article_sources_guid ON article_sources (guid)

CREATE INDEX article_sources_url ON article_sources (canonical_url)

CREATE INDEX articles_ingested ON articles (ingested)

CREATE INDEX articles_text_hash ON articles (text_hash)

CREATE INDEX pages_status ON pages (status, queued_at)

CREATE INDEX subscribers_status ON subscribers (status)
