"""`python -m alphaforge` runs the command line."""

from alphaforge.cli import main

main()
