"""BulkUploadUsageFunction: POST /api/usage/data/bulk_upload/"""

from wellness.http_api import API
from wellness.routes.usage_data import router

app = API.route_app(router, "bulk_upload_usage")
handler = API.handler(app)
