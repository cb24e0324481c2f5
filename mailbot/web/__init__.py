"""The staff console (``mailbot web``): signed-in pages over the register, GOV.UK Design System look.

Importing the package loads nothing from the web framework; ``mailbot.web.app.create_app`` does.
Its settings (``[web]``) are read with the rest of the config file (``mailbot.config.web``).
"""

from __future__ import annotations

from mailbot.config import ROLES, OidcSettings, WebSettings

__all__ = ["ROLES", "OidcSettings", "WebSettings"]
