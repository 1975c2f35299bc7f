"""E-mail notifications through an outbox.

``outbox`` writes a notification's rows in the transaction of the event that causes it (hooks on
the audit events and decisions every transition writes), ``reminders`` those for terms that
run out, ``compose`` their text from the templates in ``templates/mail/``, ``transport`` hands
messages to an SMTP server or the instance's mail folder, and grants.jobs.mail sends the
waiting rows after the commit.
"""
