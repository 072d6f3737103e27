-- Model versions: `manifest` is the canonical JSON (sorted keys) of the validated manifest,
-- so an identical re-publish can be recognised by string equality.
CREATE TABLE versions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,          -- stable order and pagination cursor
  id TEXT NOT NULL UNIQUE,
  status TEXT NOT NULL CHECK (status IN ('pending', 'ready', 'retired')),
  manifest TEXT NOT NULL,
  created_at TEXT NOT NULL,
  finalized_at TEXT,
  promoted_at TEXT
);

-- One row per manifest file; verified_at is set only once R2 holds bytes whose sha256 matched.
CREATE TABLE files (
  version_id TEXT NOT NULL REFERENCES versions(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  variant TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  verified_at TEXT,
  PRIMARY KEY (version_id, name)
);
CREATE INDEX files_by_sha256 ON files (sha256);

-- Multipart uploads in flight, so parts can only target an upload this registry started.
CREATE TABLE uploads (
  id TEXT PRIMARY KEY,
  r2_upload_id TEXT NOT NULL,
  version_id TEXT NOT NULL,
  name TEXT NOT NULL,
  r2_key TEXT NOT NULL,
  created_at TEXT NOT NULL,
  FOREIGN KEY (version_id, name) REFERENCES files(version_id, name) ON DELETE CASCADE
);

-- The current model: one row at most, replaced in a single statement, so promotes are atomic.
-- The foreign key also makes deleting the current version impossible.
CREATE TABLE current_model (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  version_id TEXT NOT NULL REFERENCES versions(id),
  promoted_at TEXT NOT NULL
);

-- API tokens: only the sha256 of the secret is kept; scopes are a space-separated list.
CREATE TABLE tokens (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  scopes TEXT NOT NULL,
  created_at TEXT NOT NULL,
  revoked_at TEXT
);

-- Failed authentication attempts per client address in a fixed window.
CREATE TABLE auth_failures (
  client TEXT PRIMARY KEY,
  window_start INTEGER NOT NULL,
  failures INTEGER NOT NULL
);
