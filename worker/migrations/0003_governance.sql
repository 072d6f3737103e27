-- Ids of deleted published versions. GET /api/models/{id} was cached as immutable for a year, so
-- such an id is never registered again (409 version_id_retired).
CREATE TABLE tombstones (
  id TEXT PRIMARY KEY,
  deleted_at TEXT NOT NULL
);

-- Weight files a delete found unused and is removing from R2. While a hash is listed no version may
-- register it, so no new reference can appear between the check and the R2 delete; the cron
-- finishes a delete that was cut off.
CREATE TABLE weights_being_deleted (
  sha256 TEXT PRIMARY KEY,
  started_at TEXT NOT NULL
);

-- The token whose upload (or claim) verified a file. Stored bytes count for another version without
-- an upload only if a published version holds them or the same token verified them.
ALTER TABLE files ADD COLUMN verified_by TEXT;

-- +1 on every promote; the cached answer of GET /api/models/current carries it, so an answer read
-- before a promote is not kept after it.
ALTER TABLE current_model ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;

-- Tokens no longer live forever: those minted without an expiry get the default maximum lifetime
-- (TOKEN_MAX_LIFETIME_DAYS, 90) from today.
UPDATE tokens SET expires_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+90 days') WHERE expires_at IS NULL;
