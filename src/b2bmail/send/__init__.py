"""Sending a campaign over SMTP: a journal (exactly once, resumable), DKIM signing just
before each transaction, pacing per receiving group, and the SMTP client itself."""
