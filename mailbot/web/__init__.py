"""The staff console (``mailbot web``): signed-in pages over the register, GOV.UK Design System look.

Importing the package loads nothing from the web framework; ``mailbot.web.app.create_app`` does.
"""

from __future__ import annotations

from mailbot.web.settings import ROLES, OidcSettings, WebSettings

__all__ = ["ROLES", "OidcSettings", "WebSettings"]
