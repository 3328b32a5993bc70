from __future__ import annotations

from services.settings import ServiceSettings


class ClientSettings(ServiceSettings):
    """Settings of the command-line tool: the same three variables every service reads."""
