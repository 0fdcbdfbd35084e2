"""Lambda handlers of the styles jobs:

* ``dispatch_training_handler`` / ``dispatch_generation_handler``: SQS ``model_training`` /
  ``image_generation`` queues -> ``styles.dispatch`` (partial batch responses; a malformed message
  raises ``ValueError`` and ends in the dead-letter queue after ``maxReceiveCount``);
* ``process_artwork_handler``: S3 ``ObjectCreated`` (presigned training images) -> SQS ->
  ``backlot.uploads.process_claimed_upload`` with the style models' steps;
* ``reconcile_handler``: EventBridge Scheduler -> ``styles.reconcile``.
"""

from __future__ import annotations

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from pydantic import ValidationError

from backlot.jobs import scheduled_job_handler
from backlot.queues import s3_record_handler, sqs_lambda_handler
from backlot.storage import S3ObjectRef
from backlot.uploads import ClaimedUploadSteps, process_claimed_upload

from styles import dispatch, messages, reconcile
from styles.gpu_settings import get_gpu_settings
from styles.stylemodels import service as models


def training_record(record: SQSRecord) -> str:
    """One ``model_training`` message. Raises ValueError when malformed."""
    try:
        message = messages.parse_training(record.body)
    except (ValidationError, ValueError) as exc:
        raise ValueError(f"malformed model_training message {record.message_id}: {exc}") from None
    return dispatch.dispatch_training(message)


def generation_record(record: SQSRecord) -> str:
    """One ``image_generation`` message. Raises ValueError when malformed."""
    try:
        message = messages.parse_generation(record.body)
    except (ValidationError, ValueError) as exc:
        raise ValueError(f"malformed image_generation message {record.message_id}: {exc}") from None
    return dispatch.dispatch_generation(message)


STEPS = ClaimedUploadSteps(
    claim=lambda ref: models.claim_upload(ref.key),
    process=models.process_upload,
    finish=models.finish_upload,
    reject=models.reject_upload,
    release=models.release_upload,
    max_bytes_of=lambda claim: claim["declared_bytes"],
    unavailable_codes={"too_large": "image_too_large", "missing": "invalid_image"},
)


def process_artwork(ref: S3ObjectRef) -> str:
    """One uploaded training image through the claimed-upload flow."""
    return process_claimed_upload(ref, STEPS, max_bytes=get_gpu_settings().image_max_bytes)


dispatch_training_handler = sqs_lambda_handler(training_record)
dispatch_generation_handler = sqs_lambda_handler(generation_record)
process_artwork_handler = sqs_lambda_handler(s3_record_handler(process_artwork))
reconcile_handler = scheduled_job_handler(reconcile.reconcile)
