"""DeclineInvitationFunction: POST /api/v1/invitations/{invitation_id}/decline/"""

from family.http_api import API
from family.routes.invitations import router

app = API.route_app(router, "decline_invitation")
handler = API.handler(app)
