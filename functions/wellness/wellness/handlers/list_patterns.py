"""ListPatternsFunction: GET /api/usage/patterns/"""

from wellness.http_api import API
from wellness.routes.patterns import router

app = API.route_app(router, "list_patterns")
handler = API.handler(app)
