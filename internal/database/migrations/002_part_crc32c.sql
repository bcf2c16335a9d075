-- A part may be checked with CRC32C (cheap enough to verify in the API at
-- line rate) instead of SHA-256 (verified by the object store).
alter table upload_parts add column crc32c text;
alter table upload_parts alter column sha256 drop not null;
