"""The robustness probes (issue 14): hostile input, stalled and dying servers, crashes and
concurrent starts. Each probe bounds its own waiting, so a hang fails instead of stalling CI."""
