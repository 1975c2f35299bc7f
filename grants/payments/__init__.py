"""After the grant: advance schedules, every payable, payment runs with four eyes, TARGET2 business
days and the SEPA credit transfer file."""
