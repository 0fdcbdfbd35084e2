"""music: venue players, listener votes and pgvector recommendations (design document 002), served under ``/music``."""
