-- A statement holds each key (kind, value) once in xapi_statement_keys:
-- plain when the statement has the value plainly anywhere, else related.
-- Rows written before this kept a related row beside the plain one; the
-- related_agents / related_activities filters no longer skip them.
delete from xapi_statement_keys r
where r.related and exists (
    select 1 from xapi_statement_keys p
    where p.org_id = r.org_id and p.kind = r.kind and p.key = r.key and p.seq = r.seq and not p.related);
