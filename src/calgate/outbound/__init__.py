"""Requests calgate makes to URLs its clients give it (webhook endpoints, issue 17), and the
checks that keep them off calgate's own machine and networks."""
