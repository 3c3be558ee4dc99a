"""Public accountability: ministry responses, following issues by email, the email outbox."""
