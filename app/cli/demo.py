"""`baoxue demo`: the demo district (the top-level demo package), loaded once, and its logins."""
import click
from flask.cli import with_appcontext

from demo import district as demo


@click.command("demo")
@with_appcontext
@click.option("--pupils", default=200, show_default=True)
@click.option("--cases", default=40, show_default=True)
@click.option("--seed", default=2026, show_default=True)
@click.option("--seed-figures", is_flag=True,
              help="also the county's 209 disabled children, placed as its table has them (slower)")
def demo_cmd(pupils, cases, seed, seed_figures):
    """Load the demo district (3 schools, every role, ~200 pupils, ~40 cases) and print its logins."""
    if demo.already_loaded():
        click.echo("demo data already present")
    else:
        demo.load(pupils=pupils, cases=cases, seed=seed, progress=True, seed_figures=seed_figures)
    demo.print_logins(click.echo)
