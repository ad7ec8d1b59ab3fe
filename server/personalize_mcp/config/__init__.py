"""Settings: flags, environment and a stored account's settings resolved into frozen values; region hosts.

May import: `runtime` (errors, identifier checks) and the standard library. Nothing here does I/O
beyond reading the environment it is handed.
"""
