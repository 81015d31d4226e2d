"""Drive the web pages as a named user with the Flask test client: log in through the form, post
forms with the page's CSRF token, count the SQL statements a page costs."""
import re
from contextlib import contextmanager

from sqlalchemy import event, select
from werkzeug.datastructures import MultiDict

from app.auth.passwords import hash_password
from app.extensions import db
from app.models import User

PASSWORD = "correct horse battery"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def set_passwords(app, *usernames) -> None:
    with app.app_context():
        hashed = hash_password(PASSWORD)
        for user in db.session.execute(select(User).where(User.username.in_(usernames))).scalars():
            user.password_hash = hashed
        db.session.commit()


class Browser:
    """One user's session (its own cookie jar)."""

    def __init__(self, app, username: str | None = None):
        self.app = app
        self.client = app.test_client()
        if username:
            self.login(username)

    def token(self) -> str:
        return TOKEN.search(self.client.get("/login").get_data(as_text=True)).group(1)

    def login(self, username: str, password: str = PASSWORD, **kw):
        set_passwords(self.app, username)
        r = self.client.post("/login", data={"username": username, "password": password,
                                             "csrf_token": self.token()}, **kw)
        assert r.status_code == 302, (username, r.status_code)
        return r

    def get(self, url, **kw):
        return self.client.get(url, **kw)

    def post(self, url, data=None, *, csrf=True, **kw):
        # pairs, not MultiDict(dict): a (file, name) tuple must stay one value
        data = data.copy() if isinstance(data, MultiDict) else MultiDict(list((data or {}).items()))
        if csrf:
            page = self.client.get("/work")
            match = TOKEN.search(page.get_data(as_text=True))
            data["csrf_token"] = match.group(1) if match else self.token()
        return self.client.post(url, data=data, **kw)

    def text(self, url, status=200) -> str:
        r = self.get(url)
        assert r.status_code == status, (url, r.status_code, r.get_data(as_text=True)[:500])
        return r.get_data(as_text=True)


@contextmanager
def count_queries(app):
    """The number of SQL statements run inside the block (on this app's engine)."""
    seen = []
    with app.app_context():
        engine = db.engine

    def before(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


def form_fields(body: dict) -> MultiDict:
    """A JSON-style payload as posted HTML form fields (lists repeat the name, flags become 'y')."""
    out = []
    for k, v in body.items():
        if isinstance(v, bool):
            if v:
                out.append((k, "y"))
        elif isinstance(v, list):
            out.extend((k, item) for item in v)
        else:
            out.append((k, str(v)))
    return MultiDict(out)
