"""Accounts (design document 004, M1-Auth-Backend): a ``styles.users`` row per platform user, made
on first sight with the 100 welcome tokens granted exactly once, and the artist profile."""
