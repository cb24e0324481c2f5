"""Running mailbot: the daemon, the schedules, and what they record about their own health."""
