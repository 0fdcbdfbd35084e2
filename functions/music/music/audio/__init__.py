"""Audio uploads: S3 ``ObjectCreated`` → SQS → the processor reads duration and BPM with mutagen."""
