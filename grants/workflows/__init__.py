"""State machines for the applications, one module per scheme on a shared engine (issue 3).

Application states already live in ``grants.models.ApplicationState``; this package will bind
them to ``transitions`` machines with guards, roles and audited, atomic transitions.
"""
