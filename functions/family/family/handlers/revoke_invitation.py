"""RevokeInvitationFunction: DELETE /api/v1/households/{household_id}/invitations/{invitation_id}/"""

from family.http_api import API
from family.routes.invitations import router

app = API.route_app(router, "revoke_invitation")
handler = API.handler(app)
