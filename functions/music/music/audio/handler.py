"""Audio processor function: S3 ``ObjectCreated`` → SQS → here (partial batch responses).

Each object goes through :func:`music.audio.service.process_object`; see
:func:`backlot.queues.s3_record_handler` for what fails a record and what does not.
"""

from __future__ import annotations

from backlot.queues import s3_record_handler, sqs_lambda_handler

from music.audio.service import process_object

record_handler = s3_record_handler(process_object)
handler = sqs_lambda_handler(record_handler)
