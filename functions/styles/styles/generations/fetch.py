"""Copy a rendered image from the provider into our bucket: a provider's output URL is temporary
(Replicate deletes outputs after an hour), the user keeps the image.

The download is bounded (``MAX_IMAGE_BYTES``, 10 s) and must be a PNG or JPEG by its bytes
(``backlot.images.sniff``, no Pillow); it never runs inside a database transaction.
"""

from __future__ import annotations

from uuid import UUID

import urllib3

from backlot import images, storage

from styles.gpu_settings import get_gpu_settings
from styles.stylemodels import artwork

MAX_IMAGE_BYTES = 40 * 1024 * 1024
_http = urllib3.PoolManager(timeout=urllib3.Timeout(connect=5.0, read=10.0),
                            retries=urllib3.Retry(total=2, backoff_factor=0.5, status_forcelist=(429, 500, 502, 503, 504)))


class ImageUnavailable(Exception):
    """The provider's image could not be fetched now (network, 5xx): try again (the webhook
    answers 502 and the provider retries; the reconcile job asks again later)."""


class ImageRefused(Exception):
    """What the provider gave is not an image we keep (not PNG/JPEG, too large, 4xx): the generation fails."""


def store_output(generation_id: UUID, url: str) -> str:
    """Download ``url`` and store it as ``generations/<id>.png``; returns the key.

    Raises:
        ImageUnavailable, ImageRefused.
    """
    try:
        resp = _http.request("GET", url, preload_content=False)
    except urllib3.exceptions.HTTPError as exc:
        raise ImageUnavailable(f"provider image unreachable: {type(exc).__name__}") from None
    try:
        if resp.status >= 500 or resp.status == 429:
            raise ImageUnavailable(f"provider image answered {resp.status}")
        if resp.status >= 400:
            raise ImageRefused(f"provider image answered {resp.status}")
        data = resp.read(MAX_IMAGE_BYTES + 1, decode_content=True)
    finally:
        resp.release_conn()
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageRefused("the provider's image is too large")
    try:
        kind = images.sniff(data, allowed={images.ImageType.PNG, images.ImageType.JPEG})
    except images.ImageRejected as exc:
        raise ImageRefused(f"the provider's output is not an image we keep: {exc.reason}") from None
    key = artwork.generation_key(generation_id)
    storage.put_bytes(get_gpu_settings().artworks_bucket, key, data, content_type=str(kind))
    return key
