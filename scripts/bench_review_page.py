"""Server time of the plan review page (team view) for a big team: 30 advisors, 1,000 appointment requests.

Not a timed test: run it by hand and read the figures (issue 17 asks for < 1 s).

    .venv/bin/python scripts/bench_review_page.py [--runs 7] [--database sqlite:////tmp/review-bench.db]

It loads the demo office with 500 clients and 1,000 requests in north, gives north 18 more advisors (copies of its
own, so 30), plans the week with the `named_first` desk baseline, and times GET /rota/plans/<id> with the test
client (the whole Flask request: queries, grid, template; wall-clock and this process's CPU time, which a
busy shared machine inflates less), plain, filtered to one advisor, and with an appointment
chosen to move (the planner's offers, moves allowed). Prints the median and the slowest of `--runs` each.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--database", default=None, help="SQLAlchemy URL (default: a new SQLite file)")
    args = parser.parse_args()
    url = args.database or f"sqlite:///{Path(tempfile.mkdtemp()) / 'review-bench.db'}"

    from sqlalchemy import select

    from caseload import create_app
    from caseload.extensions import db
    from caseload.localtime import this_week_start
    from caseload.models import Advisor, Team
    from caseload.services.demo import seed_demo
    from caseload.services.planning.plans import save_plan
    from caseload.services.planning.problem import build_problem
    from config import TestConfig
    from scheduler.baselines import named_first

    config = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
    app = create_app({**config, "DATABASE_URL": url})
    with app.app_context():
        db.drop_all()
        db.create_all()
        seed_demo("demo", teams=1, clients_per_team=500, requests_per_team=1000)
        team = db.session.scalar(select(Team).where(Team.name == "north"))
        own = list(team.advisors)
        for i in range(30 - len(own)):
            model = own[i % len(own)]
            db.session.add(Advisor(team=team, name=f"Extra Advisor {i + 1:02d}", does_support=model.does_support,
                                   does_policing=model.does_policing, work_pattern=model.work_pattern,
                                   protected_minutes=model.protected_minutes, max_appointments_per_day=6,
                                   max_caseload=40, skills=list(model.skills)))
        db.session.commit()
        week = this_week_start(team.timezone)
        problem, maps = build_problem(team, week)
        plan = save_plan(team, week, problem, named_first(problem), skipped=maps.skipped)
        placed = sum(1 for i in plan.items if i.advisor_id is not None)
        print(f"north: {len(team.advisors)} advisors, {len(plan.items)} appointments, {placed} placed (named_first)")
        plan_id, advisor_id = plan.id, own[0].id
        item_id = next(i.id for i in plan.items if i.advisor_id is not None)
        db.session.remove()

    client = app.test_client()
    client.post("/login", data={"username": "leader", "password": "demo"})
    for label, query in (("plain", ""), ("one advisor", f"?advisor={advisor_id}"),
                         ("an appointment chosen to move", f"?move={item_id}")):
        times, cpu = [], []
        for _ in range(args.runs):
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(f"/rota/plans/{plan_id}{query}")
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
            assert response.status_code == 200, response.status_code
        print(f"review page, {label}: median {statistics.median(times):.3f} s wall ({statistics.median(cpu):.3f} s CPU), "
              f"slowest {max(times):.3f} s ({args.runs} runs, {len(response.data) // 1024} KiB)")
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} (on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
