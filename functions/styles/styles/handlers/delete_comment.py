"""DeleteCommentFunction: DELETE /api/comments/{comment_id}"""

from styles.http_api import API
from styles.routes.comments import router

app = API.route_app(router, "delete_comment")
handler = API.handler(app)
