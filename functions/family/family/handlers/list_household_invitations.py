"""ListHouseholdInvitationsFunction: GET /api/v1/households/{household_id}/invitations/"""

from family.http_api import API
from family.routes.invitations import router

app = API.route_app(router, "list_household_invitations")
handler = API.handler(app)
