"""A province in one PostgreSQL database, built by bulk SQL (the engine is too slow to write 10 M events).

How: bench/web.py walks a few thousand *template* cases step by step as the engine would (forms, guards,
clocks, the deadline ladder, notifications); those rows go into scratch tables, and INSERT ... SELECT
over generate_series replicates them to N cases, each on its own pupil in its own class, with every
user reference (actor, assignee, partner, notified user) remapped to the staff of that case's class,
grade, school and district. So states, versions, last_seq, escalation levels, deadlines (open, overdue,
met), notifications and the cases.overdue flag are consistent case by case, as a real walk leaves them.

What is not real: a replicated case's audit hashes are its template's (the HMAC covers the case id), so
its chain does not verify. The cases the harness opens (every case of the measured school, and every
`sample_every`-th case) are re-hashed afterwards and do verify; nothing the harness measures verifies any
other chain (the timeline page checks only the case it shows). Copies of one template share its
timestamps and its free texts (the open note names the template's pupil); the form's student_id is the
copy's own pupil. bench_province_meta records the layout the harness needs.
"""
import io
import json
import math
import time
from datetime import date
from types import SimpleNamespace

import psycopg

SCHOOLS_PER_DISTRICT, GRADES, CLASSES_PER_GRADE = 30, (7, 8, 9), 8
PUPILS_PER_CASE = 5
AUDIT_KEY = "bench-province-audit-key"  # fixed, so a copy of the database verifies from any checkout
BULK = ("pupils", "cases", "case_events", "deadlines", "notifications", "case_assignees", "case_partners")
USER_KEYS = {"class_teacher": "teacher", "grade_leader": "leader", "school_admin": "admin",
             "bureau_officer": "bureau", "bureau_head": "head", "supervisor": "supervisor"}
# GB 11643 (ISO 7064 MOD 11-2): the weights of the 17 digits, and the check character by the sum mod 11
WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]
CHECK = "10X98765432"


def sizes(cases: int) -> SimpleNamespace:
    districts = max(2, round(50 * cases / 1_000_000))
    return SimpleNamespace(cases=cases, pupils=PUPILS_PER_CASE * cases, districts=districts,
                           schools=districts * SCHOOLS_PER_DISTRICT,
                           classes=districts * SCHOOLS_PER_DISTRICT * len(GRADES) * CLASSES_PER_GRADE,
                           templates=min(cases, 3000), sample_every=max(1, cases // 1000))


# --- the org tree and its staff (small: built in Python, loaded by COPY) -----------------------------------

class Org:
    def __init__(self, size):
        from web import TOWNS
        self.units, self.users, self.roles, self.classes, self.staff = [], [], [], [], []
        self.by_id, self.username = {}, {}
        self.root = self._unit("P", "省教育厅", "district", None)
        self._user("province", "bureau_officer", self.root, "省教育厅 控辍专干")
        self._user("province_supervisor", "supervisor", self.root, "省教育督导室 督学")
        self._user("admin", "admin", self.root, "系统管理员")
        for d in range(1, size.districts + 1):
            dc = f"D{d:02d}"
            district = self._unit(dc, f"第{d}区县教育局", "district", self.root)
            dept = self._unit(f"{dc}-DEPT", f"第{d}区县 联合劝返成员单位", "department", district)
            top = {"bureau": self._user(f"{dc.lower()}_bureau", "bureau_officer", district, f"{dc} 教育局 控辍专干"),
                   "head": self._user(f"{dc.lower()}_head", "bureau_head", district, f"{dc} 教育局 分管局长"),
                   "supervisor": self._user(f"{dc.lower()}_supervisor", "supervisor", district, f"{dc} 督导室 督学")}
            for p, name in enumerate(("乡镇政府 刘干事", "村委会 张主任", "民政局 王科长")):
                top[f"p{p}"] = self._user(f"{dc.lower()}_partner{p}", "partner", dept, f"{dc} {name}")
            for s in range(1, SCHOOLS_PER_DISTRICT + 1):
                sc = f"{dc}S{s:02d}"
                town = TOWNS[(s - 1) % len(TOWNS)]
                school = self._unit(sc, f"{dc}{town}第{(s - 1) // len(TOWNS) + 1}中学", "school", district)
                admin = self._user(f"{sc.lower()}_admin", "school_admin", school, f"{school.name} 控辍专干")
                school.k = len([u for u in self.units if u.kind == "school"]) - 1
                for g in GRADES:
                    grade = self._unit(f"{sc}-G{g}", f"{g}年级", "grade", school)
                    leader = self._user(f"{sc.lower()}_g{g}_leader", "grade_leader", grade, f"{g}年级 包年级领导")
                    for c in range(1, CLASSES_PER_GRADE + 1):
                        klass = self._unit(f"{sc}-G{g}-C{c}", f"{g}年级{c}班", "class", grade)
                        teacher = self._user(f"{sc.lower()}_g{g}c{c}_teacher", "class_teacher", klass,
                                             f"{g}年级{c}班 班主任")
                        idx = len(self.classes)
                        self.classes.append((idx, klass.id, school.id, school.k, district.id, g, c - 1, klass.path))
                        for key, uid in {**top, "admin": admin, "leader": leader, "teacher": teacher}.items():
                            self.staff.append((idx, key, uid, self.username[uid]))
        n = len(self.classes)
        for idx, class_id, *_ in self.classes:  # pupil g sits in class (g - 1) % n
            pupils = (size.pupils - 1 - idx) // n + 1 if idx < size.pupils else 0
            unit = self.by_id[class_id]
            while unit is not None:
                unit.enrolment += pupils
                unit = unit.parent

    def _unit(self, code, name, kind, parent):
        uid = len(self.units) + 1
        unit = SimpleNamespace(id=uid, code=code, name=name, kind=kind, parent=parent, enrolment=0,
                               path=(parent.path if parent else "/") + f"{uid}/")
        self.units.append(unit)
        self.by_id[uid] = unit
        return unit

    def _user(self, username, role, unit, display):
        uid = len(self.users) + 1
        self.users.append((uid, username, display))
        self.roles.append((len(self.roles) + 1, uid, role, unit.id))
        self.username[uid] = username
        return uid


# --- the templates (bench/web.py's walk) ---------------------------------------------------------------

def walk_templates(app, n, seed):
    """n cases walked by bench/web.py over its own district, and for each of its users the key of the
    staff member a copy maps it to."""
    import random

    import web
    from app import clock
    rng = random.Random(seed)
    real_now = clock.now()
    d = web.District(rng)
    pupils = d.pupils(n, real_now.date())
    gen = web.walk_cases(app, d, pupils, n, rng, real_now)
    keys = {}
    for _, uid, role, _ in d.roles:
        keys[uid] = USER_KEYS.get(role, role)
    for p, (username, _) in enumerate(web.PARTNERS):
        keys[next(uid for uid, name, _ in d.users if name == username)] = f"p{p}"
    return gen, keys


# --- loading ------------------------------------------------------------------------------------------

def _copy(conn, table, columns, rows):
    with conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as cp:
        for row in rows:
            cp.write_row(row)


def _load_templates(conn, gen, keys, size):
    conn.execute("""
        CREATE UNLOGGED TABLE tpl_cases (id int PRIMARY KEY, state text, version int, fields json, vars json,
            level int, overdue bool, opened_on date, source text, opened_at timestamp, updated_at timestamp,
            closed_at timestamp, last_seq int, last_hash text, n_ev int, n_dl int, first_i bigint, ev_base bigint,
            dl_base bigint);
        CREATE UNLOGGED TABLE tpl_events (case_id int, seq int, at timestamp, actor_key text, actor text,
            role text, action text, from_state text, to_state text, data json, prev_hash text, hash text,
            occurred_on date);
        CREATE UNLOGGED TABLE tpl_deadlines (case_id int, k int, clock text, point int, status text,
            opened_at timestamp, due_at timestamp, remind_at timestamp, level int, next_action text,
            next_action_at timestamp, closed_at timestamp, closed_by text);
        CREATE UNLOGGED TABLE tpl_notes (case_id int, dl_k int, user_key text, kind text, level int, title text,
            body text, created_at timestamp, read_at timestamp, email_status text, email_attempts int);
        CREATE UNLOGGED TABLE tpl_assignees (case_id int, user_key text, role text);
        CREATE UNLOGGED TABLE tpl_partners (case_id int, user_key text, inviter_key text, invited_at timestamp);
    """)
    n_ev, n_dl, dl_k, open_late = {}, {}, {}, set()
    for e in gen.events:
        n_ev[e["case_id"]] = n_ev.get(e["case_id"], 0) + 1
    for r in gen.deadlines:
        dl_k[r.id] = n_dl.get(r.case_id, 0)
        n_dl[r.case_id] = dl_k[r.id] + 1
        if r.status == "open" and r.level > 0:
            open_late.add(r.case_id)
    n, t = size.cases, size.templates
    rows, ev_base, dl_base = [], 1, 1
    for c in gen.cases:  # template j is copied to the cases i with floor((i - 1) * t / n) = j - 1
        j = c[0]
        first, following = -(-(j - 1) * n // t) + 1, -(-j * n // t) + 1
        assert c[16] == n_ev[j], (j, c[16], n_ev[j])
        rows.append((j, c[4], c[5], c[8], c[9], c[10], j in open_late, c[11], c[12], c[13], c[14], c[15], c[16],
                     c[17], n_ev[j], n_dl.get(j, 0), first, ev_base, dl_base))
        ev_base += (following - first) * n_ev[j]
        dl_base += (following - first) * n_dl.get(j, 0)
    _copy(conn, "tpl_cases", ["id", "state", "version", "fields", "vars", "level", "overdue", "opened_on", "source",
                              "opened_at", "updated_at", "closed_at", "last_seq", "last_hash", "n_ev", "n_dl",
                              "first_i", "ev_base", "dl_base"], rows)
    _copy(conn, "tpl_events", ["case_id", "seq", "at", "actor_key", "actor", "role", "action", "from_state",
                               "to_state", "data", "prev_hash", "hash", "occurred_on"],
          ((e["case_id"], e["seq"], e["at"], keys.get(e["actor_id"]), e["actor"], e["role"], e["action"],
            e["from_state"], e["to_state"], json.dumps(e["data"], ensure_ascii=False), e["prev_hash"], e["hash"],
            e["occurred_on"]) for e in gen.events))
    _copy(conn, "tpl_deadlines", ["case_id", "k", "clock", "point", "status", "opened_at", "due_at", "remind_at",
                                  "level", "next_action", "next_action_at", "closed_at", "closed_by"],
          ((r.case_id, dl_k[r.id], r.clock, r.point, r.status, r.opened_at, r.due_at, r.remind_at, r.level,
            r.next_action, r.next_action_at, r.closed_at, r.closed_by) for r in gen.deadlines))
    _copy(conn, "tpl_notes", ["case_id", "dl_k", "user_key", "kind", "level", "title", "body", "created_at",
                              "read_at", "email_status", "email_attempts"],
          ((cid, dl_k[did], keys[uid], kind, level, title, body, at, read, st, att)
           for _, uid, cid, did, kind, level, title, body, at, read, st, att in gen.notifications))
    _copy(conn, "tpl_assignees", ["case_id", "user_key", "role"],
          ((cid, keys[uid], role) for _, cid, uid, role in gen.assignees))
    _copy(conn, "tpl_partners", ["case_id", "user_key", "inviter_key", "invited_at"],
          ((cid, keys[uid], keys[by], at) for _, cid, uid, by, at in gen.partners))
    conn.execute("ANALYZE tpl_cases; ANALYZE tpl_events; ANALYZE tpl_deadlines; ANALYZE tpl_notes")


def _load_org(conn, org):
    _copy(conn, "org_units", ["id", "code", "name", "kind", "parent_id", "path", "enrolment"],
          ((u.id, u.code, u.name, u.kind, u.parent.id if u.parent else None, u.path, u.enrolment) for u in org.units))
    _copy(conn, "users", ["id", "username", "display_name", "password_hash", "active", "locale"],
          ((uid, name, display, "", True, "zh") for uid, name, display in org.users))
    _copy(conn, "role_assignments", ["id", "user_id", "role", "unit_id"], org.roles)
    conn.execute("CREATE UNLOGGED TABLE b_class (idx int PRIMARY KEY, class_id int, school_id int, school_k int, "
                 "district_id int, grade int, cig int, path text)")
    _copy(conn, "b_class", ["idx", "class_id", "school_id", "school_k", "district_id", "grade", "cig", "path"],
          org.classes)
    conn.execute("CREATE UNLOGGED TABLE b_staff (class_idx int, key text, user_id int, username text, "
                 "PRIMARY KEY (class_idx, key))")
    _copy(conn, "b_staff", ["class_idx", "key", "user_id", "username"], org.staff)
    conn.execute("ANALYZE b_class; ANALYZE b_staff")


def _stride(p: int) -> int:
    """A step coprime with p near p / golden ratio: case i's pupil ((i - 1) * step mod p) + 1 is a
    distinct pupil for every case, spread over every class."""
    s = int(p * 0.6180339887) | 1
    while math.gcd(s, p) != 1:
        s += 2
    return s


def _pupils_sql(size, today: date) -> str:
    from demo.district import GIVEN, SURNAMES
    from web import TOWNS, VILLAGES
    # the check digit by arithmetic on the parts (area of the school, birth date, sequence), not per character
    area = " + ".join(f"(x.area / {10 ** (5 - i)} % 10) * {WEIGHTS[i]}" for i in range(6))
    ymd = " + ".join(f"(x.ymd / {10 ** (7 - i)} % 10) * {WEIGHTS[6 + i]}" for i in range(8))
    seq = " + ".join(f"(x.seq / {10 ** (2 - i)} % 10) * {WEIGHTS[14 + i]}" for i in range(3))
    check = f"{area} + {ymd} + {seq}"
    age0 = 6 + (0 if today.month >= 9 else 1)

    def arr(xs):
        return "ARRAY[" + ",".join("'" + x + "'" for x in xs) + "]"
    return f"""
    INSERT INTO pupils (id, student_no, name, gender, birth_date, class_id, guardians, address, township, village,
                        economic_hardship, disability, left_behind, migrant)
    SELECT x.g, 'G' || x.area || to_char(x.birth, 'YYYYMMDD') || lpad(x.seq::text, 3, '0')
                || substr('{CHECK}', (({check}) % 11) + 1, 1), x.surname || x.given,
           CASE WHEN random() < 0.5 THEN 'M' ELSE 'F' END, x.birth, x.class_id,
           json_build_array(json_build_object('name', x.surname || '建华', 'phone',
                            '13' || lpad((x.g::bigint * 7919 % 1000000000)::text, 9, '0'), 'relation', '母亲')),
           x.town || x.village || (1 + x.g % 99) || '号', x.town, x.village,
           random() < 0.2, random() < 0.05, random() < 0.25, random() < 0.1
    FROM (SELECT y.*, (extract(year FROM y.birth) * 10000 + extract(month FROM y.birth) * 100
                       + extract(day FROM y.birth))::int AS ymd
          FROM (SELECT g, bc.class_id, bc.school_k, 520000 + bc.school_k % 10000 AS area,
                 bc.cig + 8 * ((g - 1) / {size.classes} / 365) AS seq,
                 make_date({today.year} - bc.grade - {age0}, 1, 1) + ((g - 1) / {size.classes} % 365)::int AS birth,
                 ({arr(SURNAMES)})[1 + floor({len(SURNAMES)} * random() ^ 2)::int] AS surname,
                 substr('{GIVEN}', 1 + floor(random() * {len(GIVEN)})::int, 1)
                   || CASE WHEN random() < 0.66 THEN substr('{GIVEN}', 1 + floor(random() * {len(GIVEN)})::int, 1)
                      ELSE '' END AS given,
                 ({arr(TOWNS)})[1 + bc.school_k % {len(TOWNS)}] AS town,
                 ({arr(VILLAGES)})[1 + g % {len(VILLAGES)}] AS village
          FROM generate_series(1, {size.pupils}) g JOIN b_class bc ON bc.idx = (g - 1) % {size.classes}) y) x
    """


def _tpl(size) -> str:
    """The join from a case to its template (template j is copied to a contiguous range of case ids)."""
    return f"JOIN tpl_cases t ON t.id = (c.id - 1)::bigint * {size.templates} / {size.cases} + 1"


def _staff(size, key_col) -> str:
    return f"b_staff s ON s.class_idx = (c.pupil_id - 1) % {size.classes} AND s.key = {key_col}"


def _case_sql(size) -> dict:
    n, t, p = size.cases, size.templates, size.pupils
    stride = _stride(p)
    return {
        "cases": f"""
    INSERT INTO cases (id, workflow, subject_key, pupil_id, state, version, unit_path, school_id, fields, vars,
                       escalation_level, overdue, opened_on, source, opened_at, updated_at, closed_at, last_seq,
                       last_hash)
    SELECT s.i, 'dropout', 'pupil:' || s.p, s.p, t.state, t.version, bc.path, bc.school_id, t.fields, t.vars,
           t.level, t.overdue, t.opened_on, t.source, t.opened_at, t.updated_at, t.closed_at, t.last_seq, t.last_hash
    FROM (SELECT i, (i - 1)::bigint * {stride} % {p} + 1 AS p, (i - 1)::bigint * {t} / {n} + 1 AS j
          FROM generate_series(1, {n}) i) s
    JOIN tpl_cases t ON t.id = s.j JOIN b_class bc ON bc.idx = (s.p - 1) % {size.classes}""",
        "case_events": f"""
    INSERT INTO case_events (id, case_id, seq, at, actor_id, actor, role, action, from_state, to_state, data,
                             prev_hash, hash, occurred_on)
    SELECT t.ev_base + (c.id - t.first_i) * t.n_ev + e.seq - 1, c.id, e.seq, e.at, s.user_id,
           coalesce(s.username, e.actor), e.role, e.action, e.from_state, e.to_state,
           CASE WHEN e.action = 'open' THEN jsonb_set(e.data::jsonb, '{{form,student_id}}', to_jsonb(c.pupil_id))::json
                ELSE e.data END, e.prev_hash, e.hash, e.occurred_on
    FROM cases c {_tpl(size)} JOIN tpl_events e ON e.case_id = t.id LEFT JOIN {_staff(size, 'e.actor_key')}""",
        "deadlines": f"""
    INSERT INTO deadlines (id, case_id, clock, point, status, opened_at, due_at, remind_at, level, next_action,
                           next_action_at, closed_at, closed_by)
    SELECT t.dl_base + (c.id - t.first_i) * t.n_dl + d.k, c.id, d.clock, d.point, d.status, d.opened_at, d.due_at,
           d.remind_at, d.level, d.next_action, d.next_action_at, d.closed_at, d.closed_by
    FROM cases c {_tpl(size)} JOIN tpl_deadlines d ON d.case_id = t.id""",
        "notifications": f"""
    INSERT INTO notifications (user_id, case_id, deadline_id, kind, level, title, body, created_at, read_at,
                               email_status, email_attempts)
    SELECT s.user_id, c.id, t.dl_base + (c.id - t.first_i) * t.n_dl + x.dl_k, x.kind, x.level,
           replace(x.title, '#' || t.id || ' ', '#' || c.id || ' '), x.body, x.created_at, x.read_at,
           x.email_status, x.email_attempts
    FROM cases c {_tpl(size)} JOIN tpl_notes x ON x.case_id = t.id JOIN {_staff(size, 'x.user_key')}""",
        "case_assignees": f"""
    INSERT INTO case_assignees (case_id, user_id, role)
    SELECT c.id, s.user_id, x.role FROM cases c {_tpl(size)} JOIN tpl_assignees x ON x.case_id = t.id
    JOIN {_staff(size, 'x.user_key')}""",
        "case_partners": f"""
    INSERT INTO case_partners (case_id, user_id, invited_by, invited_at)
    SELECT c.id, s.user_id, b.user_id, x.invited_at FROM cases c {_tpl(size)}
    JOIN tpl_partners x ON x.case_id = t.id JOIN {_staff(size, 'x.user_key')}
    JOIN b_staff b ON b.class_idx = s.class_idx AND b.key = x.inviter_key""",
    }


def _secondary_indexes(conn, tables):
    """(drop, create) statements of every index but the primary keys of `tables`: built once after the
    load instead of maintained row by row."""
    drops, creates = [], []
    for table in tables:
        for name, definition in conn.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
                "AND contype = 'u'", (table,)):
            drops.append(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            creates.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        for name, definition in conn.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
                "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype IN ('p', 'u'))",
                (table, table)):
            drops.append(f'DROP INDEX "{name}"')
            # a partitioned table's index reads "ON ONLY": so re-created, it would index no partition
            creates.append(definition.replace(" ON ONLY ", " ON ", 1))
    return drops, creates


def rehash(conn, case_ids, key: bytes) -> int:
    """Recompute the audit chains of `case_ids` (their copies' hashes are their templates'), as the
    engine would have written them; returns the number of events re-hashed."""
    from app.audit.chain import GENESIS, event_hash
    rows = conn.execute("SELECT id, case_id, seq, at, actor_id, actor, role, action, from_state, to_state, data "
                        "FROM case_events WHERE case_id = ANY(%s) ORDER BY case_id, seq", (list(case_ids),)).fetchall()
    out, heads, prev, case = io.StringIO(), [], GENESIS, None
    for eid, cid, seq, at, actor_id, actor, role, action, frm, to, data in rows:
        if cid != case:
            if case is not None:
                heads.append((case, prev))
            case, prev = cid, GENESIS
        h = event_hash(case_id=cid, seq=seq, at=at, actor_id=actor_id, actor=actor, role=role, action=action,
                       from_state=frm, to_state=to, data=data, prev_hash=prev, key=key)
        out.write(f"{eid}\t{prev}\t{h}\n")
        prev = h
    if case is not None:
        heads.append((case, prev))
    conn.execute("CREATE TEMP TABLE b_rehash (id bigint, prev_hash text, hash text)")
    with conn.cursor().copy("COPY b_rehash FROM STDIN") as cp:
        cp.write(out.getvalue())
    conn.execute("UPDATE case_events e SET prev_hash = r.prev_hash, hash = r.hash FROM b_rehash r WHERE e.id = r.id")
    with conn.cursor() as cur:
        cur.executemany("UPDATE cases SET last_hash = %s WHERE id = %s", [(h, c) for c, h in heads])
    conn.execute("DROP TABLE b_rehash")
    return len(rows)


def build(app, url: str, cases: int, seed: int = 2026, log=print) -> dict:
    """Fill the (migrated, empty) database at `url` with a province of `cases` cases; returns the phase
    timings and counts."""
    from app import clock
    from app.audit import chain as audit
    size = sizes(cases)
    timings, t0 = {}, time.perf_counter()
    dsn = url.replace("+psycopg", "")

    def phase(name, t):
        timings[name] = time.perf_counter() - t
        log(f"  {name:<34}{timings[name]:8.1f} s   (total {time.perf_counter() - t0:7.1f} s)", flush=True)
        return time.perf_counter()

    log(f"building a province: {size.districts} districts, {size.schools} schools, {size.classes} classes, "
        f"{size.pupils} pupils, {size.cases} cases from {size.templates} walked templates")
    t = time.perf_counter()
    gen, keys = walk_templates(app, size.templates, seed)
    t = phase("templates walked (python)", t)
    org = Org(size)
    with app.app_context():
        key = audit.key()
    with psycopg.connect(dsn) as conn:
        # Bulk load: no per-row triggers (the append-only guards, the foreign-key checks: the rows are
        # made consistent by construction and checked by the suite), secondary indexes built at the end.
        conn.execute("SET session_replication_role = replica")
        conn.execute("SET synchronous_commit = off")
        conn.execute("SET maintenance_work_mem = '512MB'")
        conn.execute("SET work_mem = '256MB'")
        conn.execute("SELECT setseed(%s)", (((seed % 1000) / 1000.0),))
        drops, creates = _secondary_indexes(conn, BULK)
        for sql in drops:
            conn.execute(sql)
        _load_org(conn, org)
        _load_templates(conn, gen, keys, size)
        conn.commit()
        t = phase("org, staff, templates (COPY)", t)
        conn.execute(_pupils_sql(size, clock.now().date()))
        conn.commit()
        t = phase("pupils (INSERT ... SELECT)", t)
        for table, sql in _case_sql(size).items():
            conn.execute(sql)
            conn.commit()
            t = phase(f"{table} (INSERT ... SELECT)", t)
        for sql in creates:
            conn.execute(sql)
            conn.commit()
        t = phase("secondary indexes", t)
        school = conn.execute("SELECT min(id) FROM org_units WHERE kind = 'school'").fetchone()[0]
        sample = [r[0] for r in conn.execute(
            "SELECT id FROM cases WHERE school_id = %s OR id %% %s = 0", (school, size.sample_every))]
        rehashed = rehash(conn, sample, key)
        conn.execute("DROP TABLE tpl_cases, tpl_events, tpl_deadlines, tpl_notes, tpl_assignees, tpl_partners, "
                     "b_class, b_staff")
        for table in ("org_units", "users", "role_assignments") + BULK:
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                         f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)")
        conn.execute("CREATE TABLE bench_province_meta (key text PRIMARY KEY, value text)")
        meta = {"cases": size.cases, "school_id": school, "sample_every": size.sample_every, "seed": seed,
                "rehashed_cases": len(sample), "audit_key": "AUDIT_KEY of bench/province_build.py"}
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO bench_province_meta VALUES (%s, %s)", [(k, str(v)) for k, v in meta.items()])
        conn.commit()
        t = phase(f"audit chains of {len(sample)} sampled cases", t)
    vacuum(dsn)
    phase("VACUUM ANALYZE", t)
    counts = table_counts(dsn)
    return {"timings": timings, "total_s": time.perf_counter() - t0, "counts": counts, "rehashed_events": rehashed,
            "size": vars(size), "bytes": counts.pop("database_bytes")}


def vacuum(dsn):
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def table_counts(dsn) -> dict:
    with psycopg.connect(dsn) as conn:
        out = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
               for t in ("org_units", "users") + BULK}
        out["open_deadlines"] = conn.execute("SELECT count(*) FROM deadlines WHERE status = 'open'").fetchone()[0]
        out["overdue_cases"] = conn.execute("SELECT count(*) FROM cases WHERE overdue").fetchone()[0]
        out["database_bytes"] = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
    return out
