"""HealthFunction: GET /api/health"""

from styles.http_api import API
from styles.routes.health import router

app = API.route_app(router, "health")
handler = API.handler(app)
