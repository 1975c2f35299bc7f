"""Background jobs: the huey queue (``queue``) and the jobs it runs (``letters``, ``mail``).

Importing this package registers each job with the queue and connects it to the outbox signal
that says its rows are committed (the decisions' and the mails' outboxes sit below the jobs and
do not know them).
"""

from flask import Flask

from grants.jobs import letters, mail, places, verification  # noqa: F401  (verification: nightly)


def resume_unfinished(app: Flask) -> list[int]:
    """Queue every unfinished letter job again, and a run for the mail not sent yet."""
    ids = letters.resume_letters(app)
    mail.enqueue_sending(app)
    places.resume_places_imports(app)
    return ids
