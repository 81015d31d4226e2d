"""Masking personal data wherever it appears, free text included (PIPL).

A pupil card hides the name, the 学籍号 and the guardians; a note typed by a class teacher ("王小明的
母亲 13800001234 说...") would show them again to a supervisor reading the timeline. mask() is the one
function every place uses (timeline page, API JSON, CSV, case page records): the names and numbers the
roster knows about the case's pupil (and the names of the pupil's classmates) become the masked forms
of the pupil card, and anything shaped like an ID number or a mobile number is masked even if the
roster does not know it. Stored events never change: masking is at presentation only.
"""
import re

from sqlalchemy import select

from app.extensions import db
from app.models.pupils import Pupil, mask_middle, mask_name

# A 学籍号 (G/L/J + 18, forms/pupil_numbers.py) or a bare 18-character ID number, and a mainland mobile
# number, not inside a longer token. Shape only: a mistyped check digit is masked all the same.
ID_LIKE = re.compile(r"(?<![0-9A-Za-z])[GLJglj]?\d{17}[\dXx](?![0-9A-Za-z])")
PHONE_LIKE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
ADDRESS_MASK = "***"
MIN_NAME = 2          # a one-character "name" would mask that character everywhere
CLASSMATES = 500      # enough for any class; bounds the query


def mask_student_no(value: str) -> str:
    return mask_middle(value, 4, 4)


def mask_phone(value: str) -> str:
    return mask_middle(value, 3, 4)


class Masker:
    """Replaces each known secret by its masked form in one pass (longest first), then ID- and
    phone-shaped numbers."""

    def __init__(self, secrets: dict[str, str]):
        self.secrets = {k: v for k, v in secrets.items() if k and k != v}
        keys = sorted(self.secrets, key=len, reverse=True)
        self._known = re.compile("|".join(map(re.escape, keys))) if keys else None

    def text(self, value: str) -> str:
        if self._known is not None:
            value = self._known.sub(lambda m: self.secrets[m.group(0)], value)
        value = ID_LIKE.sub(lambda m: mask_student_no(m.group(0)), value)
        return PHONE_LIKE.sub(lambda m: mask_phone(m.group(0)), value)

    def __call__(self, value):
        """`value` with every string in it masked (dicts and lists walked; keys and other types kept)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {k: self(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self(v) for v in value]
        return value


def secrets_of(pupil) -> dict[str, str]:
    """What the pupil card hides, each with the form the card (or a masked list) shows instead."""
    out = {}
    if len(pupil.name or "") >= MIN_NAME:
        out[pupil.name] = mask_name(pupil.name)
    out[pupil.student_no] = mask_student_no(pupil.student_no)
    for g in pupil.guardians or []:
        name, phone = str(g.get("name") or ""), str(g.get("phone") or "")
        if len(name) >= MIN_NAME:
            out[name] = mask_name(name)
        if phone:
            out[phone] = mask_phone(phone)
    if pupil.address:
        out[pupil.address] = ADDRESS_MASK
    return out


def for_pupil(pupil) -> Masker:
    """The masker for what is written about `pupil`: their data and their classmates' names (one query)."""
    names = db.session.execute(select(Pupil.name).where(Pupil.class_id == pupil.class_id, Pupil.id != pupil.id)
                               .limit(CLASSMATES)).scalars().all()
    secrets = {n: mask_name(n) for n in names if len(n or "") >= MIN_NAME}
    secrets.update(secrets_of(pupil))
    return Masker(secrets)


def mask(value, masker: Masker | None):
    """The one entry point: `value` as the viewer may see it (unchanged when masker is None)."""
    return value if masker is None else masker(value)
