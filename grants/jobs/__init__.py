"""Background jobs: the huey queue (``queue``) and the jobs it runs (``letters``)."""
