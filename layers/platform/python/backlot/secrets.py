"""A key kept in AWS Secrets Manager (a third-party API key: TMDB, OpenAI, the GPU provider).

Read through Powertools' parameters utility (``get_secret``, cached for five minutes per execution
environment: Powertools docs, "Parameters", caching), so a warm function asks Secrets Manager at most
once every five minutes and a rotated key is picked up without a deploy.
"""

from __future__ import annotations

import json


def secret_value(arn: str, *json_keys: str) -> str | None:
    """The secret's value: the plain string, or the first non-empty of ``json_keys`` when the
    secret is a JSON object (as the console's key/value editor stores it); None when empty.

    Raises:
        botocore.exceptions.ClientError: the secret cannot be read (a configuration error).
        json.JSONDecodeError: the secret starts with ``{`` but is not JSON.
    """
    from aws_lambda_powertools.utilities.parameters import get_secret

    raw = str(get_secret(arn, max_age=300)).strip()
    if raw.startswith("{"):
        data = json.loads(raw)
        raw = next((str(data[name]) for name in json_keys if data.get(name)), "").strip()
    return raw or None
