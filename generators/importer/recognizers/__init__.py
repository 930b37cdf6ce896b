from .legacy import *  # noqa: F403  (interim: split into one module per clue next)
from .legacy import _CODE_KV  # noqa: F401
