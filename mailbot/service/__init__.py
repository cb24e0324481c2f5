"""Running mailbot: connection checks and the health the daemon records (more moves here in issue 14)."""

__all__: list[str] = []
