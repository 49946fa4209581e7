"""Child process of :class:`matching.gap_mx.ExchangeWorker`: ``python -m matching.gap_child``
reads the problem and then slices of work on standard input and answers on standard output."""

import sys

from matching.gap_mx import serve

if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
