"""Vault: envelope-encrypted secrets per environment (models arrive with the Vault issue)."""
