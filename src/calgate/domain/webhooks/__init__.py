"""Webhooks (issue 17), the pure parts: Standard Webhooks 1.0 signing (`signing`) and the
retry schedule (`schedule`). Delivery, endpoints and their tables live in higher layers."""
