"""ListReviewsFunction: GET /api/v1/experiences/{experience_id}/reviews/"""

from family.http_api import API
from family.routes.reviews import router

app = API.route_app(router, "list_reviews")
handler = API.handler(app)
