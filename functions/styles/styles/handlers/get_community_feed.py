"""GetCommunityFeedFunction: GET /api/community/feed"""

from styles.http_api import API
from styles.routes.community import router

app = API.route_app(router, "get_community_feed")
handler = API.handler(app)
