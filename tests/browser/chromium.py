"""Where Chromium is: BAOXUE_CHROMIUM, else chromium / chromium-browser / google-chrome on the PATH.
Playwright never downloads a browser here (no internet at run time); used by the browser tests and
by docs/make_screenshots.py."""
import os
import shutil

NO_CHROMIUM = "no Chromium found: apt-get install chromium fonts-wqy-microhei"


class BadChromium(RuntimeError):
    """BAOXUE_CHROMIUM names something that is not an executable: a configuration mistake."""


def find() -> str | None:
    given = os.environ.get("BAOXUE_CHROMIUM")
    if given:
        if not os.access(given, os.X_OK):
            raise BadChromium(f"BAOXUE_CHROMIUM={given} is not an executable file")
        return given
    return next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)
