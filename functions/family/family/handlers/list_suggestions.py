"""ListSuggestionsFunction: GET /api/v1/suggestions/"""

from family.http_api import API
from family.routes.suggestions import router

app = API.route_app(router, "list_suggestions")
handler = API.handler(app)
