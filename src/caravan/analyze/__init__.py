"""Analysis: link analysis over the region's records (:mod:`caravan.analyze.network`)."""
