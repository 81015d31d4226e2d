"""The seeds' figures from the demo district, through the reports as the bureau reads them: pupils in
abnormal 学籍 status month by month (404 falling to 45 = 43 other departures + 2 problem records), and with
`baoxue demo --seed-figures` the placements table (送教上门 52, 随班就读 100, 特教学校 38, 外出就读 19: 209)."""
from io import BytesIO

from openpyxl import load_workbook

from tests.web import Browser


def _token(app):
    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": "bureau", "password": "baoxue-demo"}).get_json()["token"]
    return client, {"Authorization": f"Bearer {token}"}


def test_the_demo_gives_the_abnormal_status_series_and_a_placement_of_each_kind(app, runner):
    out = runner.invoke(args=["demo"])
    assert out.exit_code == 0, out.output
    client, auth = _token(app)
    series = client.get("/api/v1/status-counts", headers=auth).get_json()
    abnormal = [m["abnormal"] for m in series["months"]]
    assert abnormal[0] == 404 and abnormal[-1] == 45 and abnormal == sorted(abnormal, reverse=True)
    assert (series["last"]["other_left"], series["last"]["problem_records"], series["last"]["schools"]) == (43, 2, 3)
    placements = client.get("/api/v1/reports/placements", headers=auth).get_json()
    assert {k["kind"]: k["count"] for k in placements["kinds"]} == dict.fromkeys(
        ["home_teaching", "regular_class", "special_school", "outside"], 1)
    page = Browser(app, "bureau").text("/reports/status")
    assert 'id="chart-status"><svg' in page and "404" in page


def test_seed_figures_give_the_county_s_placement_table(app, runner):
    out = runner.invoke(args=["demo", "--seed-figures", "--cases", "12", "--pupils", "60"])
    assert out.exit_code == 0, out.output
    client, auth = _token(app)
    placements = client.get("/api/v1/reports/placements", headers=auth).get_json()
    assert {k["zh"]: k["count"] for k in placements["kinds"]} == {"送教上门": 52, "随班就读": 100, "特教学校": 38,
                                                                   "外出就读": 19}
    assert placements["total"] == 209
    sheet = load_workbook(BytesIO(client.get("/api/v1/reports/placements.xlsx", headers=auth).data)).active
    assert ["合计", 52, 100, 38, 19, 209] in [[c.value for c in row] for row in sheet.iter_rows()]
