"""AddHouseholdMemberFunction: POST /api/v1/households/{household_id}/members/"""

from family.http_api import API
from family.routes.households import router

app = API.route_app(router, "add_household_member")
handler = API.handler(app)
