-- Tenancy by role instead of by setting. The table owner (the role the
-- system pool connects as: migrations, the worker, token look-up) is no
-- longer subject to row-level security; the tenant pool's connections and
-- every database.InOrg transaction act as a second role (LECTERN_DB_TENANT_ROLE,
-- granted its privileges at start-up), which sees exactly the rows of the
-- organization the transaction names. The policy is a plain equality, so
-- PostgreSQL can use (org_id, ...) indexes through it.
do $$
declare t text;
begin
    foreach t in array array['organizations', 'users', 'tokens', 'groups', 'group_members', 'courses',
        'course_instructors', 'modules', 'lessons', 'lesson_prerequisites', 'module_prerequisites',
        'enrollments', 'lesson_progress', 'enrollment_rules', 'webhooks', 'webhook_deliveries',
        'idempotency_keys', 'uploads', 'upload_parts', 'videos', 'encodes']
    loop
        execute format('alter table %I no force row level security', t);
        execute format('drop policy tenant on %I', t);
        if t = 'organizations' then
            execute format('create policy tenant on %I using (id = lectern_org()) with check (id = lectern_org())', t);
        else
            execute format('create policy tenant on %I using (org_id = lectern_org()) with check (org_id = lectern_org())', t);
        end if;
    end loop;
end $$;
drop function lectern_visible(uuid);
