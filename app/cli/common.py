"""What the command modules share: a refusal of the system shown as the command's error."""
import click

from app.errors import BaoxueError


def fail(err: BaoxueError):
    """Raise the refusal as a ClickException: its message, then each refused field."""
    fields = getattr(err, "fields", None) or {}
    detail = "; ".join(f"{k}: {v}" for k, v in fields.items())
    raise click.ClickException(f"{err.message}{' — ' + detail if detail else ''}")
