"""Integrations for other systems: API tokens, signed webhooks, embeds with external ids (XID)."""
