"""ListInvitationsFunction: GET /api/v1/invitations/"""

from family.http_api import API
from family.routes.invitations import router

app = API.route_app(router, "list_invitations")
handler = API.handler(app)
