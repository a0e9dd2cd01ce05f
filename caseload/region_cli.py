"""Command line for the region: `flask --app caseload region plan|status|cancel --week …`.

The same service as the region page (services/region/runs.py): one planning job per team on the shared queue,
run by whatever consumers are started (`huey_consumer caseload.worker.huey`, on any machine).
"""
from __future__ import annotations

import time

import click
from flask.cli import AppGroup

from caseload.extensions import db
from caseload.jobs import QueueUnreachable
from caseload.localtime import this_week_start
from caseload.services.region import bench
from caseload.services.region import runs as region
from caseload.services.demo import TIMEZONE
from caseload.week_cli import SECONDS, _week
from caseload.wording import counted

region_cli = AppGroup("region", help="Plan every team's week on the shared queue.")
week_option = click.option("--week", "week_text", default="this", show_default=True,
                           help="The week's Monday, YYYY-MM-DD, or `this`.")


class _RegionClock:  # _week() reads only the time zone of its `team` argument
    timezone = TIMEZONE


def _region_week(text: str):
    """`this` is the region page's week (the current one in the demo office's zone; from Saturday, the next);
    a date is read as for one team."""
    if text.strip().lower() == "this":
        return this_week_start(TIMEZONE)
    return _week(text, _RegionClock())


def _print_status(week) -> dict:
    status = region.region_status(week)
    for row in status["rows"]:
        progress = row["progress"]
        detail = (f"{progress.get('elapsed', 0)} s" if row["state"] == "running"
                  else (row["message"] or ""))
        click.echo(f"{row['team'].name:<12} {row['state']:<10} {detail}")
    t = status["totals"]
    pct = lambda v: f"{v * 100:.1f}%" if v is not None else "-"  # noqa: E731
    click.echo(f"totals: {t['counts']} fill {pct(t['fill'])} continuity {pct(t['continuity'])} "
               f"protected {pct(t['protected'])} unplaced {t['unplaced']}")
    return status


@region_cli.command("plan")
@week_option
@click.option("--time-limit", type=SECONDS, default=None,
              help="Seconds per team (default: CASELOAD_SOLVER_TIME_LIMIT_S).")
@click.option("--wait", is_flag=True, help="Wait until every run has ended, then print the region.")
def plan_command(week_text, time_limit, wait):
    """Queue a planning run of the week for every team (a team already planning keeps its run)."""
    week = _region_week(week_text)
    try:
        started = region.start_region(week, None, time_limit=time_limit)
    except QueueUnreachable as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"Queued {counted(len(started.started), 'run')} for the week of {week.isoformat()}."
               + (f" Already planning: {', '.join(t.name for t in started.busy)}." if started.busy else ""))
    if wait:
        while region.region_status(week)["active"]:
            db.session.rollback()
            db.session.expire_all()
            time.sleep(1)
        _print_status(week)


@region_cli.command("status")
@week_option
def status_command(week_text):
    """Each team's run of the week and the region's totals."""
    _print_status(_region_week(week_text))


@region_cli.command("cancel")
@week_option
def cancel_command(week_text):
    """Cancel every queued or running run of the week (no plan is changed)."""
    week = _region_week(week_text)
    click.echo(f"Cancelled {counted(region.cancel_region(week, None), 'run')}.")


@region_cli.command("bench")
@click.option("--teams", type=click.IntRange(1, 500), default=None,
              help="Plan only the first N teams by name (default: every team).")
@click.option("--time-limit", type=SECONDS, default=10, show_default=True,
              help="Seconds per team.")
@click.option("--consumers", "consumer_counts", type=click.IntRange(1, 64), multiple=True, default=(1, 2),
              show_default=True, help="Consumer processes for a round; repeat for several rounds (e.g. 1 2).")
@click.option("--week", "week_text", default="this", show_default=True, help="The week's Monday, or `this`.")
def bench_command(teams, time_limit, consumer_counts, week_text):
    """Measure the region on the shared queue: for each consumer count, start that many real consumers
    (`huey_consumer caseload.worker.huey`, one worker each), plan the teams' week, and report the wall time,
    jobs per minute, the consumer time per job outside the solver (queue, claim, problem, save), and the
    speed-up over the first round. Needs a shared queue (CASELOAD_QUEUE_URL postgresql:// or redis://)."""
    week = _region_week(week_text)
    try:
        rounds = bench.run(week, teams, time_limit, consumer_counts, echo=click.echo)
    except bench.BenchError as err:
        raise click.ClickException(str(err)) from None
    click.echo(bench.table(rounds))
