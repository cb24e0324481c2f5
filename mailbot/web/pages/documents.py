"""Original emails and documents, viewed in the browser or downloaded.

Served with a sandboxing CSP and ``nosniff``: a hostile attachment opened here cannot run script
in the console's origin.
"""

from __future__ import annotations

import mimetypes

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mailbot.register.models import Document, Message
from mailbot.web.auth import User
from mailbot.web.console import Console
from mailbot.web.guard import page, refused

#: Kinds a browser shows itself; anything else is always downloaded.
VIEWABLE = {"application/pdf", "image/png", "image/jpeg", "image/gif", "text/plain"}


def _file(content: bytes, filename: str, download: bool) -> Response:
    content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    inline = not download and content_type in VIEWABLE
    safe_name = filename.rpartition("/")[2].replace('"', "") or "file"
    disposition = "inline" if inline else "attachment"
    return Response(
        content,
        media_type=content_type,
        headers={
            "Content-Disposition": f'{disposition}; filename="{safe_name}"',
            "Content-Security-Policy": "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'",
        },
    )


def document(request: Request, user: User) -> Response:
    console: Console = request.app.state.console
    with console.register.transaction() as session:
        row = session.get(Document, int(request.path_params["document_id"]))
        if row is None or row.stored_path is None:
            return refused(
                request, "That document is not stored (it was inside another file, or purged).", 404
            )
        filename, path = row.filename, row.stored_path
    return _file(console.shell.storage.get(path), filename, request.query_params.get("download") == "1")


def original_email(request: Request, user: User) -> Response:
    console: Console = request.app.state.console
    with console.register.transaction() as session:
        row = session.get(Message, int(request.path_params["message_id"]))
        if row is None:
            return refused(request, "There is no such message.", 404)
        path, number = row.raw_path, row.id
    return _file(console.shell.storage.get(path), f"message-{number}.eml", True)


routes = [
    Route("/documents/{document_id:int}", page("view")(document)),
    Route("/messages/{message_id:int}/original", page("view")(original_email)),
]
