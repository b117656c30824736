"""``python -m frkg``: the same as the ``frkg`` console script."""

from frkg.cli import main

main()
