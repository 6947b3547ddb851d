"""Notification mail: the durable outbox (``outbox``), the SMTP transport (``smtp``) and the
delivery thread (``worker``). What a mail says is decided in ``calgate.domain.mail``."""
