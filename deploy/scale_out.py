"""Scale-out, proven: two gunicorn web nodes, two Celery workers and one beat on one
PostgreSQL and one Redis, e-mail to a real SMTP sink (aiosmtpd).

- A nurse logs in on web node A and carries on on web node B (sessions are shared).
- Both workers run the monitoring and follow-up sweeps at the same time, several times over;
  every reminder is sent, and every e-mail reaches the SMTP server exactly once.
- Export jobs asked on node B run exactly once, written to the one media folder.

    .venv/bin/python deploy/scale_out.py      (PostgreSQL on 127.0.0.1 as postgres, Redis)
Environment: SCALE_DB (cart_deploy_scale), REDIS_URL (redis://127.0.0.1:6379/8).
"""

from __future__ import annotations

import collections
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
BIN = ROOT / ".venv" / "bin"
DB = os.environ.get("SCALE_DB", "cart_deploy_scale")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/8")
PASSWORD = "correct-horse-battery-9"
SWEEP_ROUNDS = 3


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sink:
    """Every message the SMTP server receives."""

    def __init__(self):
        self.messages: list[tuple[str, str, str]] = []
        self.message_ids: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        text = envelope.content.decode("utf-8", "replace")
        subject = re.search(r"^Subject: (.*)$", text, re.M)
        message_id = re.search(r"^Message-ID: (.*)$", text, re.M | re.I)
        for rcpt in envelope.rcpt_tos:
            self.messages.append((rcpt, subject[1] if subject else "", text.split("\n\n", 1)[-1]))
            self.message_ids.append(f"{rcpt} {message_id[1] if message_id else ''}")
        return "250 OK"


def psql(sql: str, db: str = "postgres") -> str:
    return subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-qtA", "-d", db],
        input=sql,
        text=True,
        check=True,
        capture_output=True,
    ).stdout.strip()


def manage(env, *args, stdin: str | None = None) -> str:
    result = subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=env, input=stdin, text=True, capture_output=True
    )
    if result.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


STATE = """
import json
from core.models import OutboxMessage
from followup.models import VisitReminder
from monitoring.models import Reminder
from reports.models import ExportJob
print(json.dumps({
    "monitoring_reminders": Reminder.objects.count(),
    "monitoring_unsent": Reminder.objects.filter(sent_at__isnull=True).count(),
    "visit_reminders": VisitReminder.objects.count(),
    "visit_unsent": VisitReminder.objects.filter(sent_at__isnull=True, skipped=False).count(),
    "emails_sent": OutboxMessage.objects.filter(state="sent").count(),
    "emails_unsent": OutboxMessage.objects.exclude(state="sent").count(),
    "jobs": list(ExportJob.objects.values_list("status", "file_path")),
}))
"""


def state(env) -> dict:
    return json.loads(manage(env, "shell", stdin=STATE).strip().splitlines()[-1])


def login(base: str, username: str) -> requests.Session:
    s = requests.Session()
    page = s.get(f"{base}/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
    response = s.post(
        page.url,
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": base + "/"},
        allow_redirects=False,
    )
    assert response.status_code == 302, f"login answered {response.status_code}"
    return s


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="cart-scale-"))
    procs: list[subprocess.Popen] = []
    sink = Sink()
    smtp = Controller(sink, hostname="127.0.0.1", port=free_port())
    smtp.start()
    try:
        psql(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        psql(f'CREATE DATABASE "{DB}"')
        subprocess.run(["redis-cli", "-u", REDIS_URL, "flushdb"], check=True, capture_output=True)
        inherited = {
            k: v
            for k, v in os.environ.items()
            if k not in ("DATABASE_OWNER_URL", "DATABASE_APP_ROLE", "DATABASE_URL")
        }
        env = {
            **inherited,
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(40),
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB}",
            "REDIS_URL": REDIS_URL,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "SECURE_HSTS_SECONDS": "0",
            "MEDIA_ROOT": str(work / "media"),
            "STATIC_ROOT": str(work / "static"),
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}",
            "SECOND_FACTOR_ROLES": "administrator",
            "LOG_FORMAT": "json",
        }
        print("== scale-out: migrate, demo data", flush=True)
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput")
        manage(env, "seed_demo")
        manage(env, "shell", stdin=(ROOT / "deploy" / "stack_prepare.py").read_text())
        before = state(env)
        sink.messages.clear()
        sink.message_ids.clear()

        ports = [free_port(), free_port()]
        for i, port in enumerate(ports):
            procs.append(
                subprocess.Popen(
                    [
                        BIN / "gunicorn",
                        "-c",
                        "deploy/gunicorn.conf.py",
                        "cart_workflow.wsgi:application",
                    ],
                    cwd=ROOT,
                    env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "1"},
                    stdout=open(work / f"web{i}.log", "w"),
                    stderr=subprocess.STDOUT,
                )
            )
        for i in range(2):
            procs.append(
                subprocess.Popen(
                    [
                        BIN / "celery",
                        "-A",
                        "cart_workflow",
                        "worker",
                        "--loglevel=INFO",
                        "--concurrency=2",
                        "-n",
                        f"scale{i}@%h",
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=open(work / f"worker{i}.log", "w"),
                    stderr=subprocess.STDOUT,
                )
            )
        procs.append(
            subprocess.Popen(
                [
                    BIN / "celery",
                    "-A",
                    "cart_workflow",
                    "beat",
                    "--loglevel=INFO",
                    "--schedule",
                    str(work / "beat-schedule"),
                ],
                cwd=ROOT,
                env=env,
                stdout=open(work / "beat.log", "w"),
                stderr=subprocess.STDOUT,
            )
        )
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for base in bases:
            for _ in range(120):
                try:
                    codes = {
                        requests.get(f"{base}{p}", timeout=10).status_code
                        for p in ("/health/live/", "/health/")
                    }
                    if 200 in codes:
                        break
                except requests.RequestException:
                    pass
                time.sleep(0.5)
            else:
                sys.exit(f"{base} did not start")

        print("== scale-out: a nurse logs in on node A and carries on on node B", flush=True)
        nurse = login(bases[0], "ada")
        for base in bases:
            page = nurse.get(f"{base}/patients/", allow_redirects=False)
            assert page.status_code == 200, f"{base}/patients/ answered {page.status_code}"

        print("== scale-out: both workers sweep at once, several times", flush=True)
        sweeps = (
            "from monitoring.tasks import monitoring_sweep\n"
            "from followup.tasks import sweep_followup_reminders\n"
            f"for _ in range({SWEEP_ROUNDS * 2}):\n"
            "    monitoring_sweep.delay(); sweep_followup_reminders.delay()\n"
        )
        manage(env, "shell", stdin=sweeps)

        print("== scale-out: export jobs asked on node B", flush=True)
        auditor = login(bases[1], "cara")
        auditor.headers.update(
            {"X-CSRFToken": auditor.cookies.get("csrftoken", ""), "Referer": bases[1] + "/"}
        )
        jobs = []
        for dataset in ("courses", "patients", "assessments"):
            created = auditor.post(
                f"{bases[1]}/api/reports/export-jobs/",
                json={"dataset": dataset, "file_format": "csv", "purpose": "scale-out check"},
            )
            assert created.status_code == 201, created.text
            jobs.append(created.json()["id"])

        deadline = time.time() + 120
        while time.time() < deadline:
            after = state(env)
            idle = (
                after["monitoring_unsent"] == 0
                and after["visit_unsent"] == 0
                and after["emails_unsent"] == 0
                and all(status == "done" for status, _ in after["jobs"])
            )
            if idle:
                time.sleep(3)  # let queued duplicates run too: they must find nothing
                if state(env) == after:
                    break
            time.sleep(1)
        else:
            sys.exit(f"the workers did not finish: {after}")

        print("== scale-out: exactly once", flush=True)
        # Every e-mail is an outbox row, marked sent once the SMTP server accepted it (the
        # demo data's own e-mails, queued by seed_demo, go out now too).
        expected = after["emails_sent"] - before["emails_sent"]
        duplicates = [m for m, n in collections.Counter(sink.message_ids).items() if n > 1]
        print(
            f"monitoring reminders {after['monitoring_reminders']}, "
            f"visit reminders {after['visit_reminders']}, e-mails {len(sink.messages)}"
        )
        assert after["monitoring_reminders"] + after["visit_reminders"] > 0, "nothing was due"
        assert not duplicates, f"e-mails sent twice: {duplicates[:3]}"
        assert len(sink.messages) == expected, f"{len(sink.messages)} e-mails, {expected} due"
        files = sorted(p.name for p in (work / "media" / "exports").iterdir())
        written = sorted(path.rsplit("/", 1)[-1] for _, path in after["jobs"])
        assert files == written, f"export files {files}, jobs' files {written}"
        runs = 0
        for i in range(2):
            log = (work / f"worker{i}.log").read_text()
            runs += len(re.findall(r"run_export_job\[[^\]]+\] succeeded in [^:]+: True", log))
        assert runs == len(jobs), f"{runs} export runs for {len(jobs)} jobs"
        worked = [i for i in range(2) if "succeeded" in (work / f"worker{i}.log").read_text()]
        assert worked == [0, 1], "both workers took tasks"
        print("== scale-out: all checks passed", flush=True)
    except BaseException:
        for log in sorted(work.glob("*.log")):
            print(f"--- {log.name}", file=sys.stderr)
            print("\n".join(log.read_text().splitlines()[-15:]), file=sys.stderr)
        raise
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        smtp.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
