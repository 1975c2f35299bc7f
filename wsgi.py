"""Entry point for `flask run` and gunicorn (`gunicorn wsgi:app`)."""

from grants import create_app

app = create_app()
