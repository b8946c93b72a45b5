"""`voxpop serve`: the dashboard and the REST API over one database.

app.py       create_app: the FastAPI app, its single writer, per-request readers, view cache
api.py       the /api/v1 routes, exports, admin actions, docs page, /login
views.py     each view's data as msgspec structs (the API's JSON, the pages' data)
security.py  tokens, roles, sessions, CSRF, security headers, body limits, audit log
pages.py     the dashboard's HTML pages and static bundle
"""

from voxpop.web.app import create_app
from voxpop.web.app import serve as serve_app

__all__ = ["create_app", "serve_app"]
