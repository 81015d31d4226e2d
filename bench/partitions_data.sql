-- Data for timing migration 0027 (docs/partitions.md): `psql -f` it at revision 0026, on top
-- of the demo district, 20,000 cases with 10 events each (200,000 events) over the last 24 months,
-- 200,000 access-log rows, 50,000 notifications, 50,000 pupil events, 20,000 admin events. The events'
-- hashes are not a valid chain (the migration copies rows as they are; the tests check the chain).
SET session_replication_role = replica;  -- no trigger work while loading (occurred_on is given)
INSERT INTO cases (workflow, pupil_id, state, version, unit_path, school_id, vars, escalation_level, opened_on, source,
                   opened_at, updated_at, closed_at, last_seq, last_hash, subject_key, fields, also_unit_path, overdue)
SELECT c.workflow, c.pupil_id, c.state, c.version, c.unit_path, c.school_id, c.vars, c.escalation_level, c.opened_on,
       c.source, c.opened_at, c.updated_at, c.closed_at, 10, c.last_hash, c.subject_key || ':b' || g, c.fields,
       c.also_unit_path, c.overdue
FROM generate_series(1, 20000) g JOIN LATERAL (SELECT * FROM cases ORDER BY id OFFSET (g % 40) LIMIT 1) c ON true;
INSERT INTO case_events (case_id, seq, at, actor_id, actor, role, action, from_state, to_state, data, prev_hash, hash, occurred_on)
SELECT c.id, s, t, NULL, 'bench', 'system', CASE WHEN s = 1 THEN 'open' ELSE 'visit' END, 'reported', 'reported',
       '{"bench": true}', md5(c.id::text || s)::text || md5(s::text), md5(s::text || c.id)::text || md5(c.id::text), t::date
FROM (SELECT id, now()::timestamp - (random() * interval '700 days') AS t0 FROM cases WHERE subject_key LIKE '%:b%') c,
     generate_series(1, 10) s, LATERAL (SELECT c.t0 + s * interval '3 days' AS t) x;
INSERT INTO access_log (at, user_id, pupil_id, case_id, via, what)
SELECT now()::timestamp - (random() * interval '720 days'), (SELECT min(id) FROM users), (SELECT min(id) FROM pupils),
       NULL, 'bench', 'timeline' FROM generate_series(1, 200000);
INSERT INTO notifications (user_id, case_id, deadline_id, kind, level, title, body, created_at, read_at, email_attempts)
SELECT (SELECT min(id) FROM users), NULL, NULL, 'reminder', 0, 'bench', '', t, CASE WHEN g % 5 = 0 THEN NULL ELSE t END, 0
FROM generate_series(1, 50000) g, LATERAL (SELECT now()::timestamp - (random() * interval '720 days') + g * interval '0 s' AS t) x;
INSERT INTO pupil_events (pupil_id, at, actor, action, changes)
SELECT (SELECT min(id) FROM pupils), now()::timestamp - (random() * interval '720 days') + g * interval '0 s', 'bench', 'updated', '{}'
FROM generate_series(1, 50000) g;
INSERT INTO admin_events (at, actor, action, target)
SELECT now()::timestamp - (random() * interval '720 days') + g * interval '0 s', 'bench', 'user.create', 'u' FROM generate_series(1, 20000) g;
ANALYZE;
