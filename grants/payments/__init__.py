"""After the grant: advance schedules, payment runs and the SEPA credit transfer file."""
