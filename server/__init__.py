"""The reference implementation: every operation of the specs in spec/, on SQLite (`mdcontract serve`)."""

import warnings

# Connexion imports Starlette's test client at import time, which warns about httpx on every
# `mdcontract serve`; the warning is for Connexion's maintainers, not for our users.
warnings.filterwarnings("ignore", message=r"Using `httpx` with `starlette\.testclient`")
