"""One entry module per HTTP function: each loads only its own route (README, "Adding an endpoint")."""
