"""The accepted journal: Message-IDs noted the instant the server accepts them, read back after a kill."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from mailbot.transports.journal import COMPACT_BYTES, AcceptedJournal


def test_an_id_noted_by_a_process_killed_right_after_is_there_for_the_next(tmp_path: Path) -> None:
    path = tmp_path / "accepted.log"
    code = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from mailbot.transports.journal import AcceptedJournal\n"
        f"AcceptedJournal(Path({str(path)!r})).record('<mailbot.abc@lancashire.gov.uk>')\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], check=False)
    assert done.returncode == -signal.SIGKILL
    journal = AcceptedJournal(path)
    assert journal.holds("<mailbot.abc@lancashire.gov.uk>")
    assert not journal.holds("<mailbot.ab@lancashire.gov.uk>")  # whole lines only


def test_no_file_holds_nothing_and_compacting_keeps_what_is_still_sending(tmp_path: Path) -> None:
    journal = AcceptedJournal(tmp_path / "outbox" / "accepted.log")
    assert not journal.holds("<a@b>") and not journal.needs_compacting()
    for n in range(COMPACT_BYTES // 20 + 1):
        journal.record(f"<mailbot.{n:012d}@x>")
    assert journal.needs_compacting()
    journal.compact({"<mailbot.000000000007@x>"})
    assert (tmp_path / "outbox" / "accepted.log").read_text() == "<mailbot.000000000007@x>\n"
    journal.record("<later@x>")
    assert journal.holds("<later@x>") and journal.holds("<mailbot.000000000007@x>")
    journal.close()
    assert os.path.getsize(tmp_path / "outbox" / "accepted.log") < 100
