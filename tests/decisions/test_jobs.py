"""Jobs: one per transaction, progress on a page and on the command line, failures with their
reasons, and the same job carried by Redis when GRANTS_REDIS_URL is set."""

import shutil
import socket
import subprocess
import time

import pytest
import sqlalchemy as sa

from grants.decisions.render import RenderError
from grants.extensions import db
from grants.jobs import letters as jobs_module
from grants.jobs.letters import job_failures, job_progress, run_letters_job
from grants.jobs.queue import EXTENSION, Queue, queue_for
from grants.models import Decision, Job, JobStatus
from tests.conftest import login
from tests.decisions.conftest import decisions_of


def test_one_job_holds_the_letters_of_one_transaction(world, steps):
    number = steps.settled("360000.00", "300000.00")
    letters = decisions_of(number)
    assert letters[1].job_id == letters[2].job_id != letters[0].job_id  # settle: two letters
    (progress,) = job_progress(job_id=letters[1].job_id)
    assert (progress.job.status, progress.done, progress.total, progress.failed) == (
        JobStatus.DONE, 2, 2, 0)
    assert progress.job.runs == 1 and progress.job.lease_until is None


@pytest.fixture
def queued(app):
    huey = queue_for(app).huey
    huey.immediate = False
    try:
        yield huey
    finally:
        huey.immediate = True


def test_a_letter_that_fails_is_reported_with_its_reason_and_can_be_retried(
        world, steps, queued, monkeypatch, app):
    first, second = steps.granted(), steps.granted("400000.00")
    broken = decisions_of(second)[0].reference
    ids = [decisions_of(n)[0].job_id for n in (first, second)]
    real = jobs_module.render_one

    def fail_one(context, version):
        if context["reference"] == broken:
            raise RenderError("ValueError: het sjabloon mist een waarde")
        return real(context, version)

    monkeypatch.setattr(jobs_module, "render_batch", lambda contexts, version: (_ for _ in ())
                        .throw(RenderError("batch")))
    monkeypatch.setattr(jobs_module, "render_one", fail_one)
    for job_id in ids:
        run_letters_job(job_id)

    failed_job = ids[1]
    (progress,) = job_progress(job_id=failed_job)
    assert (progress.job.status, progress.done, progress.failed) == (JobStatus.FAILED, 0, 1)
    (failure,) = job_failures(failed_job)
    assert failure.reference == broken and failure.attempts == 1
    assert "het sjabloon mist een waarde" in failure.reason

    runner = app.test_cli_runner()
    listing = runner.invoke(args=["grants", "jobs"])
    assert listing.exit_code == 0, listing.output
    assert f"{failed_job:>6}  Klaar, met fouten" in listing.output and "0/1" in listing.output
    shown = runner.invoke(args=["grants", "jobs", "show", str(failed_job)])
    assert "het sjabloon mist een waarde" in shown.output and broken in shown.output

    monkeypatch.setattr(jobs_module, "render_one", real)
    retried = runner.invoke(args=["grants", "jobs", "retry", str(failed_job)])
    assert retried.exit_code == 0, retried.output
    ran = runner.invoke(args=["grants", "jobs", "run", str(failed_job)])
    assert "1 brieven gemaakt, 0 mislukt" in ran.output
    (progress,) = job_progress(job_id=failed_job)
    assert (progress.job.status, progress.done, progress.failed) == (JobStatus.DONE, 1, 0)
    assert progress.job.runs == 2


def test_staff_follow_the_jobs_on_a_page(world, steps, app):
    number = steps.granted()
    job_id = decisions_of(number)[0].job_id
    assert app.test_client().get("/taken").status_code == 302  # to the login page

    def signed_in(person):
        client = app.test_client()
        assert login(client, person.user.email).status_code == 302
        return client

    assert signed_in(world.applicant).get("/taken").status_code == 403
    for person in (world.finance, world.admin, world.assessor):
        client = signed_in(person)
        page = client.get("/taken")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert f"Taak {job_id}" in html and "1 van 1" in html and "Klaar" in html
        detail = client.get(f"/taken/{job_id}").get_data(as_text=True)
        assert "1 van 1 brieven klaar" in detail and "Geen fouten." in detail
        assert client.get("/taken/999999").status_code == 404


def test_a_worker_refuses_to_start_in_immediate_mode(app):
    result = app.test_cli_runner().invoke(args=["grants", "worker"])
    assert result.exit_code == 1 and "JOBS_IMMEDIATE" in result.output


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path):
    """A redis-server of our own on a free loopback port (CI installs the package)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = _free_port()
    server = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",  # noqa: S603
                               "--appendonly", "no", "--dir", str(tmp_path)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_with_a_redis_url_the_jobs_travel_through_redis(world, steps, app, redis_url,
                                                        monkeypatch):
    from huey import RedisHuey

    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    monkeypatch.setitem(app.config, "JOBS_IMMEDIATE", False)
    queue = Queue(app)
    assert isinstance(queue.huey, RedisHuey) and "Redis" in queue.where
    monkeypatch.setitem(app.extensions, EXTENSION, queue)
    queue.huey.flush()

    number = steps.granted()  # the commit puts the job on Redis
    (decision,) = decisions_of(number)
    decision_id = decision.id
    assert decision.rendered_at is None
    # (The mails the steps wrote went on the queue too, as tasks of their own.)
    (task,) = [task for task in queue.huey.pending() if task.name == "grants.render_letters"]
    queue.huey.execute(task)  # what a worker on another machine does
    rendered = db.session.scalar(sa.select(Decision.sha256).where(Decision.id == decision_id))
    assert rendered is not None
    assert db.session.scalar(sa.select(Job.status).where(Job.id == task.args[0])) == \
        JobStatus.DONE
    queue.huey.flush()
