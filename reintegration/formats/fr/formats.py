from reintegration.formats import *  # noqa: F403 (the same formats in every language)
