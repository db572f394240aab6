"""Hit/no-hit checks: selectors, the person index, checks, hit notices and batches."""
