"""Entry point for `flask run` and gunicorn (`gunicorn wsgi:app`)."""

import gc

from grants import create_app

app = create_app()
# Everything loaded so far lives as long as the process: out of the garbage collector's sight,
# a full collection walks only what requests make. Otherwise it walked the app's ~200,000
# objects too, ~100 ms in the middle of whichever request set it off (issue 16: a page's p95).
gc.freeze()
