"""Credentials and the tokens obtained with them.

`kinds` says what a stored credential is; `exchanges` how each kind becomes a token (pure);
`token_source` shares tokens across the fleet through `token_store` (Redis) and renews them.
Secrets come from `data/credentials.json` or `INGEST_CREDENTIAL_<NAME>` (`ingest.credentials`)
on the process that makes the call; tokens live in that process's memory and in Redis, under
a key that expires with them; neither is ever written to a message, a result, a record, a log
line or an error text.
"""
