"""Webhooks: what calgate pushes to receivers' URLs (pure parts: secrets, signing)."""
