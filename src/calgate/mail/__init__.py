"""Notification mail: the durable outbox (``outbox``) and the SMTP transport (``smtp``); the
delivery thread is the job ``calgate.jobs.outbox``. What a mail says is decided in
``calgate.domain.mail``."""
