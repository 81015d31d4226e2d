"""Races: two clients fire the same transition at once; two clients open a case for one pupil at once."""
import threading

from tests.payloads import VALID


def race(bx, n, request):
    """Run `request(i)` in n threads released together; return the responses."""
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        client = bx.app.test_client()
        barrier.wait()
        results[i] = request(client, i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_same_transition_fired_twice_at_once_one_wins(bx):
    for attempt in range(5):
        case = bx.case_in("detected")
        body = {**VALID["report"], "version": case["version"]}
        url = f"/api/v1/cases/{case['id']}/transitions/report"
        rs = race(bx, 2, lambda c, i: c.post(url, json=body, headers=bx.headers("school_admin")))
        codes = sorted(r.status_code for r in rs)
        assert codes == [200, 409], [r.get_json() for r in rs]
        loser = next(r for r in rs if r.status_code == 409).get_json()
        # the version is checked before the state: the loser is a stale version whether it read the case
        # before the winner's commit (its guarded write finds the version moved) or after it
        assert loser["error"] == "stale_version" and loser["current_version"] == case["version"] + 1, loser
        after = bx.case(case["id"])
        assert after["version"] == case["version"] + 1 and after["state"] == "reported"
        assert [e["action"] for e in bx.events(case["id"])] == ["open", "report"]
    assert bx.get("/audit/verify", as_="supervisor").get_json()["ok"] is True


def test_different_internal_actions_at_once_never_lose_an_update(bx):
    case = bx.case_in("visiting")
    url = f"/api/v1/cases/{case['id']}/transitions/log_visit"
    body = {**VALID["log_visit"], "version": case["version"]}
    rs = race(bx, 4, lambda c, i: c.post(url, json=body, headers=bx.headers("teacher")))
    assert sorted(r.status_code for r in rs) == [200, 409, 409, 409]
    after = bx.case(case["id"])
    assert after["vars"]["visits"] == 1  # exactly the one that won was counted
    assert bx.get("/audit/verify", as_="supervisor").get_json()["ok"] is True


def test_second_open_case_for_a_pupil_is_refused_naming_the_open_one(bx):
    first = bx.open(pupil_id=bx.district.pupils[0])
    r = bx.post("/cases", {"student_id": bx.district.pupils[0], "detected_on": "2026-09-01"}, as_="teacher")
    assert r.status_code == 409
    assert r.get_json()["open_case_id"] == first["id"] and f"#{first['id']}" in r.get_json()["message"]


def test_two_clients_opening_a_case_for_one_pupil_at_once(bx):
    for pupil in bx.district.pupils[:4]:
        body = {"student_id": pupil, "detected_on": "2026-09-01", "source": "teacher"}
        rs = race(bx, 2, lambda c, i: c.post("/api/v1/cases", json=body,
                                              headers=bx.headers(["teacher", "school_admin"][i])))
        codes = sorted(r.status_code for r in rs)
        assert codes == [201, 409], [r.get_json() for r in rs]
        winner = next(r for r in rs if r.status_code == 201).get_json()
        loser = next(r for r in rs if r.status_code == 409).get_json()
        assert loser["open_case_id"] == winner["id"]
    cases = bx.get("/cases").get_json()
    assert cases["total"] == 4
    assert bx.get("/audit/verify", as_="supervisor").get_json() == {
        "ok": True, "events_checked": 4, "first_broken": None}
