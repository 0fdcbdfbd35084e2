"""AcceptInvitationFunction: POST /api/v1/invitations/{invitation_id}/accept/"""

from family.http_api import API
from family.routes.invitations import router

app = API.route_app(router, "accept_invitation")
handler = API.handler(app)
