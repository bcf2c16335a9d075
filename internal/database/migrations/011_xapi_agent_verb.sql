-- The agent+verb filter of GET /xapi/statements in one look-up: a key of
-- kind w for each plain agent key (a) and verb key (v) of a statement,
-- its digest that of the two digests (xapi/keys.go: digest of kind w over
-- the agent's digest then the verb's).
insert into xapi_statement_keys (org_id, kind, key, seq, related)
select a.org_id, 'w',
       encode(substring(sha256('\x7700'::bytea || uuid_send(a.key) || uuid_send(v.key)) from 1 for 16), 'hex')::uuid,
       a.seq, false
from xapi_statement_keys a
join xapi_statement_keys v on v.org_id = a.org_id and v.seq = a.seq and v.kind = 'v' and not v.related
where a.kind = 'a' and not a.related
on conflict do nothing;
