"""Jobs: one per transaction, progress on a page and on the command line, failures with their
reasons, and the same job carried by Redis when GRANTS_REDIS_URL is set."""

import shutil
import socket
import subprocess
import time
from datetime import timedelta

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


# -- workers sharing a job: leases per letter ----------------------------------------------------

def _settled_job(steps) -> tuple[int, list[int]]:
    """A settlement's job of two letters, not rendered yet (the queue is not immediate)."""
    letters = decisions_of(steps.settled("360000.00", "300000.00"))[1:]
    assert len(letters) == 2 and letters[0].job_id == letters[1].job_id
    assert all(letter.rendered_at is None for letter in letters)
    return letters[0].job_id, [letter.id for letter in letters]


def _lease(decision_id: int, holder: str, until) -> None:
    db.session.execute(sa.update(Decision).where(Decision.id == decision_id)
                       .values(leased_by=holder, leased_until=until))
    db.session.commit()


def _rendered(ids: list[int]) -> list[bool]:
    return [db.session.scalar(sa.select(Decision.rendered_at).where(Decision.id == decision_id))
            is not None for decision_id in ids]


def test_a_letter_another_worker_renders_is_left_to_it_until_its_lease_runs_out(
        world, steps, queued, clock):
    job_id, (first, second) = _settled_job(steps)
    lease_until = clock() + timedelta(seconds=60)
    _lease(first, "andere-machine:4242:1", lease_until)
    later = []

    outcome = run_letters_job(job_id, reschedule=lambda job, eta: later.append((job, eta)),
                              chunk_size=1)

    assert (outcome.rendered, outcome.stored) == (1, 1) and _rendered([first, second]) == [
        False, True]
    # Not finished while the other worker renders; back when its lease has run out.
    assert db.session.scalar(sa.select(Job.status).where(Job.id == job_id)) == JobStatus.RUNNING
    assert later == [(job_id, lease_until + timedelta(seconds=1))]

    clock.advance(seconds=61)  # the other worker died on its machine: the lease runs out
    outcome = run_letters_job(job_id, chunk_size=1)
    assert outcome.stored == 1 and _rendered([first, second]) == [True, True]
    (progress,) = job_progress(job_id=job_id)
    assert (progress.job.status, progress.done, progress.job.runs) == (JobStatus.DONE, 2, 2)
    assert db.session.scalar(sa.select(sa.func.count(Decision.id)).where(
        Decision.job_id == job_id, Decision.leased_by != "")) == 0


def test_a_lease_of_a_process_gone_from_this_machine_is_taken_over_at_once(
        world, steps, queued, clock):
    job_id, ids = _settled_job(steps)
    gone = subprocess.Popen(["true"])  # noqa: S607  (a pid that surely has ended)
    gone.wait()
    _lease(ids[0], f"{socket.gethostname()}:{gone.pid}:1", clock() + timedelta(hours=1))

    outcome = run_letters_job(job_id)
    assert outcome.stored == 2 and _rendered(ids) == [True, True]
    assert db.session.scalar(sa.select(Job.status).where(Job.id == job_id)) == JobStatus.DONE


def test_a_job_goes_on_the_queue_once_for_each_worker_that_can_share_it(app, queued,
                                                                        monkeypatch):
    monkeypatch.setitem(app.config, "LETTERS_CHUNK_SIZE", 20)
    monkeypatch.setitem(app.config, "LETTERS_PARALLEL", 4)

    def copies(letters: int) -> int:
        queued.flush()
        jobs_module.enqueue(app, 1, letters)
        return sum(task.name == jobs_module.RENDER_LETTERS for task in queued.pending())

    # One copy per chunk of 20 letters, at most LETTERS_PARALLEL; always one.
    assert [copies(n) for n in (0, 1, 20, 21, 60, 61, 10_000)] == [1, 1, 1, 2, 3, 4, 4]
    queued.flush()
