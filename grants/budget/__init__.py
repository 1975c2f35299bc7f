"""The budget ledger: every cent reserved, committed, released, disbursed or recovered."""
