"""Deliver: address the edition's email to each recipient and hand it to a mailer."""
