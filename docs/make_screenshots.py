"""Screenshots of the main pages for the README, from the demo district, in headless Chromium.

    python docs/make_screenshots.py        (needs Debian's chromium and fonts-wqy-microhei)

A temporary instance (SQLite, embedded Redis) is created, the demo loaded, the deadline sweep run so
escalations show, and each page captured as the user who would look at it: at 1280 px, and the pages a
teacher or a bureau officer opens on a phone at 390×844 (the phone_* shots).
"""
import os
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
sys.path.insert(0, str(ROOT))
os.environ["BAOXUE_INSTANCE"] = tempfile.mkdtemp(prefix="baoxue-shots-")

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
PAGES = [  # (file, user, path, viewport; {case} is S01's open case with the longest history)
    ("login", None, "/login", DESKTOP),
    ("work", "s01_admin", "/work", DESKTOP),
    ("cases", "bureau", "/cases", DESKTOP),
    ("case", "s01_admin", "{case}", DESKTOP),
    ("timeline", "supervisor", "{case}/timeline", DESKTOP),
    ("dashboard", "bureau", "/dashboard", DESKTOP),
    ("reports", "bureau", "/reports", DESKTOP),
    ("notices", "s01_admin", "/notices", DESKTOP),
    ("help", "s01_g7c1_teacher", "/help/class_teacher", DESKTOP),
    ("admin_workflow", "admin", "/admin/workflow", DESKTOP),
    ("phone_work", "s01_g7c1_teacher", "/work", PHONE),
    ("phone_cases", "bureau", "/cases", PHONE),
    ("phone_case", "s01_admin", "{case}", PHONE),
    ("phone_dashboard", "bureau", "/dashboard", PHONE),
    ("work_en", "s01_admin", "/work?lang=en", DESKTOP),
]
FULL_PAGE = {"case", "timeline", "reports", "notices", "admin_workflow", "work", "work_en", "login"}


def pdf_first_page_png(pdf: bytes, out: Path, scale: float = 1.5) -> Path:
    """The first page of a PDF as a PNG (pypdfium2, the `docs` extra): the case file's shot."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    document[0].render(scale=scale).to_pil().save(out)
    return out


def main() -> None:
    from flask_migrate import upgrade
    from playwright.sync_api import sync_playwright
    from sqlalchemy import select
    from werkzeug.serving import make_server

    from app import create_app

    from demo import district as demo
    from app.deadlines import actions
    from app.extensions import db
    from app.models import Case, OrgUnit
    from tests.browser import chromium

    app = create_app({})
    with app.app_context():
        upgrade()
        demo.load(progress=False)
        actions.sweep()
        school = db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == "S01"))
        case_id = db.session.scalar(select(Case.id).where(Case.school_id == school, Case.closed_at.is_(None))
                                    .order_by(Case.last_seq.desc(), Case.id))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    OUT.mkdir(parents=True, exist_ok=True)
    executable = chromium.find()
    if executable is None:
        sys.exit(chromium.NO_CHROMIUM)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        for name, user, path, viewport in PAGES:
            page = browser.new_context(viewport=viewport, locale="zh-CN").new_page()
            if user:
                page.goto(base + "/login")
                page.fill("#username", user)
                page.fill("#password", demo.PASSWORD)
                with page.expect_navigation():
                    page.click("button[type=submit]")
                assert "/login" not in page.url, f"{user} could not log in"
            if path.endswith("?lang=en"):
                path = path.removesuffix("?lang=en")
                with page.expect_navigation():
                    page.click("button[name=lang][value=en]")
            response = page.goto(base + path.format(case=f"/cases/{case_id}"))
            assert response.ok, (path, response.status)  # never a 500 page in the README
            page.screenshot(path=str(OUT / f"{name}.png"), full_page=name in FULL_PAGE)
            print(OUT / f"{name}.png")
            page.context.close()
        # the printed case file (辍学学生档案): its first page, fetched as the school admin
        page = browser.new_context(locale="zh-CN").new_page()
        page.goto(base + "/login")
        page.fill("#username", "s01_admin")
        page.fill("#password", demo.PASSWORD)
        with page.expect_navigation():
            page.click("button[type=submit]")
        if page.locator("button[name=lang][value=zh]").count():  # the English shot above left s01_admin in English
            with page.expect_navigation():
                page.click("button[name=lang][value=zh]")
        answer = page.request.get(base + f"/cases/{case_id}/file.pdf")
        assert answer.ok and answer.headers["content-type"] == "application/pdf", answer.status
        print(pdf_first_page_png(answer.body(), OUT / "case_file.png"))
        page.context.close()
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main()
