"""What each racing process runs: its own app, a finance login, then one commit of a run."""

import time
import traceback


def commit_job(index: int, config: dict, email: str, password: str, barrier, results) -> None:
    try:
        from grants import create_app

        client = create_app({**config, "WTF_CSRF_ENABLED": False}).test_client()
        login = client.post("/login", data={"email": email, "password": password})
        assert login.status_code == 302, login.status_code
        barrier.wait()
        started = time.time()
        response = client.post("/financien/betalingen/", data={
            "due_on": "2014-04-01", "ministry": "SZW", "confirm": "y"})
        results.put((index, "response", response.status_code,
                     response.headers.get("Location"), started, time.time()))
    except BaseException:  # noqa: BLE001  (whatever happens, the test must hear of it)
        barrier.abort()
        results.put((index, "error", traceback.format_exc()))
