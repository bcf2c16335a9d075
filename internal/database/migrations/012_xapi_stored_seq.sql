-- since / until of GET /xapi/statements bound the seq range a page is
-- read from: the last seq stored up to a time is one look-up here.
create index xapi_statements_stored_seq on xapi_statements (org_id, stored, seq);
drop index xapi_statements_stored;
