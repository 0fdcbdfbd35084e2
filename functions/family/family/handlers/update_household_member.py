"""UpdateHouseholdMemberFunction: PATCH /api/v1/households/{household_id}/members/{user_id}/"""

from family.http_api import API
from family.routes.households import router

app = API.route_app(router, "update_household_member")
handler = API.handler(app)
