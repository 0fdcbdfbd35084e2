"""ImportStayfreeUsageFunction: POST /api/usage/data/import/stayfree/"""

from wellness.http_api import API
from wellness.routes.usage_data import router

app = API.route_app(router, "import_stayfree_usage")
handler = API.handler(app)
