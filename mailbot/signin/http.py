"""The HTTPS session the token libraries (MSAL, google-auth) use, optionally trusting one extra CA file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import requests


class _PinnedCaSession(requests.Session):
    """A session whose ``verify`` (a CA file) wins over ``REQUESTS_CA_BUNDLE``.

    requests lets the environment variable replace a session's CA file on every request
    (psf/requests#3829); a council behind a TLS-inspecting proxy sets ``ca_file`` and means it.
    Proxies from the environment (``HTTPS_PROXY``) still apply.
    """

    def merge_environment_settings(self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any) -> Any:
        settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
        settings["verify"] = self.verify
        return settings


def token_http_session(ca_file: Path | None = None) -> requests.Session:
    """A session for token requests; trusts ``ca_file`` (only) when given, the system CAs otherwise."""
    if ca_file is None:
        return requests.Session()
    session = _PinnedCaSession()
    session.verify = str(ca_file)
    return session
