"""family: Plan · Do · Reflect (design document 000), served under ``/family``."""
