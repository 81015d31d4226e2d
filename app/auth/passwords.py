"""Argon2id password hashes."""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from app.errors import Invalid
from app.extensions import db
from app.models import User

_hasher = PasswordHasher()
# Checked against when the user does not exist, so a wrong username costs as long as a wrong password.
_DUMMY = _hasher.hash("not-a-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def authenticate(username: str, password: str):
    """The active user with this username and password, or None (the API's token and the login page)."""
    user = db.session.execute(select(User).where(User.username == username[:64])).scalar_one_or_none()
    if check_password(user.password_hash if user is not None and user.active else None, password[:1024]):
        return user
    return None


def check_password(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _DUMMY, password) and bool(stored)
    except (VerificationError, InvalidHashError):
        return False


MIN_LENGTH = 10
# The commonest passwords (and this system's name) that pass the length rule; compared lower-cased.
COMMON = frozenset({
    "1234567890", "12345678910", "0123456789", "0987654321", "9876543210", "1234567890a", "a1234567890",
    "1qaz2wsx3edc", "qwertyuiop", "qwertyuiop1", "1q2w3e4r5t", "1q2w3e4r5t6y", "qwerty1234", "qwerty12345",
    "asdfghjkl1", "zxcvbnm123", "iloveyou12", "woaini1314", "woaini520", "5201314520", "1314520520",
    "password12", "password123", "password1234", "password!1", "passw0rd12", "p@ssw0rd12", "p@ssword123",
    "abcdefghij", "abc1234567", "abcd123456", "abcd1234567", "aa12345678", "a123456789", "admin12345",
    "admin123456", "administrator", "letmein123", "welcome123", "changeme123", "trustno1234",
    "baoxue1234", "baoxue12345", "baoxue123456", "baoxuebaoxue", "baoxue-admin", "baoxue-password",
    "baoxuebaoxue1", "kongchuobaoxue", "konguobaoxue",
})


# "password2026!", "123456789012", "baoxue2026": a common stem with only digits or signs after it.
COMMON_STEMS = ("12345678", "password", "passw0rd", "p@ssw0rd", "qwerty", "baoxue", "admin", "abc123", "woaini")


def _common_stem(lowered: str) -> bool:
    return any(lowered.startswith(stem) and not any(c.isalpha() for c in lowered[len(stem):])
               for stem in COMMON_STEMS)


def policy_errors(password: str, username: str = "") -> list[str]:
    """Why this password may not be set (bilingual messages; empty when it may)."""
    errors = []
    if len(password) < MIN_LENGTH:
        errors.append(f"至少 {MIN_LENGTH} 个字符 / at least {MIN_LENGTH} characters")
    if len(set(password)) == 1:
        errors.append("不能全是同一个字符 / not one character repeated")
    lowered = password.lower()
    if username and lowered == username.lower():
        errors.append("不能与用户名相同 / must not be the username")
    if lowered in COMMON or _common_stem(lowered):
        errors.append("过于常见 / too common")
    return errors


def check_policy(password: str, username: str = "", field: str = "password") -> None:
    """Raise Invalid naming `field` when the password breaks the policy."""
    errors = policy_errors(password, username)
    if errors:
        raise Invalid({field: "; ".join(errors)}, "密码不符合要求 / the password does not meet the policy")
