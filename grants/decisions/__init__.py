"""Decision letters (beschikkingen): what each letter says, the outbox row every decision writes
in its own transaction, rendering with WeasyPrint, and the background jobs that store each PDF
once.

- ``context``: the plain values of a letter, read while the decision is taken.
- ``outbox``: the hook the workflow's decision effects call; links the row to its audit event
  and puts the transaction's letter job on the queue after the commit.
- ``render``: Jinja templates to PDF, one letter at a time, with a URL fetcher that serves the
  template assets and refuses everything else.
- ``jobs``: the huey queue (embedded SQLite, or Redis) and the resumable letter job.
"""
