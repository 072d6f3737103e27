-- Tokens may expire (NULL: never) and record when they last authenticated a request (to the minute).
ALTER TABLE tokens ADD COLUMN expires_at TEXT;
ALTER TABLE tokens ADD COLUMN last_used_at TEXT;

-- The hourly cron finds abandoned multipart uploads by their age.
CREATE INDEX uploads_by_created_at ON uploads (created_at);
