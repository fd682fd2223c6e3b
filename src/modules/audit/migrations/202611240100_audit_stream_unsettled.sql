-- Syslog has no acknowledgement, and a receiver that is shutting down can close a connection
-- cleanly after reading a batch it then drops (ADR 0007, "The settle window"). Each stream keeps
-- the batches confirmed within its settle window; a failure rewinds the cursor to the oldest.
ALTER TABLE audit_streams ADD COLUMN unsettled jsonb NOT NULL DEFAULT '[]';
